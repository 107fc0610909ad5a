package dev.iotpipeline.bridge.ingest.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a device's id and secret for MQTT and HTTP alike. A secret verified before is accepted at
 * once, also while its address or id is throttled (it costs nothing). Anything else first asks
 * the {@link AuthThrottle}: a throttled attempt is refused without running PBKDF2; the others run
 * it on a worker thread, never an event loop. The future completes on the caller's context.
 */
public final class Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    /** The device, or empty when refused; {@code retryAfterMillis} above 0 when refused because throttled. */
    public record Outcome(Optional<Device> device, long retryAfterMillis) {

        public boolean throttled() {
            return retryAfterMillis > 0;
        }
    }

    private final Vertx vertx;
    private final DeviceRegistry devices;
    private final AuthThrottle throttle;

    public Authenticator(Vertx vertx, DeviceRegistry devices, AuthThrottle throttle) {
        this.vertx = vertx;
        this.devices = devices;
        this.throttle = throttle;
    }

    public Future<Outcome> authenticate(String address, String deviceId, String secret) {
        boolean slow = devices.needsHashCheck(deviceId, secret);
        if (!slow) {
            Optional<Device> known = devices.authenticate(deviceId, secret);
            if (known.isPresent()) {
                return Future.succeededFuture(new Outcome(known, 0));
            }
        }
        long wait = throttle.waitMillis(address, deviceId);
        if (wait > 0) {
            return Future.succeededFuture(new Outcome(Optional.empty(), wait));
        }
        if (!slow) {
            return Future.succeededFuture(record(address, deviceId, Optional.empty()));
        }
        return vertx.executeBlocking(() -> devices.authenticate(deviceId, secret), false)
                .map(device -> record(address, deviceId, device))
                .otherwise(error -> record(address, deviceId, Optional.empty()));
    }

    private Outcome record(String address, String deviceId, Optional<Device> device) {
        if (device.isPresent()) {
            throttle.succeeded(deviceId);
        } else if (throttle.failed(address, deviceId)) {
            LOG.warn("Repeated failed authentications from {} (device id '{}'): further attempts wait, up to the configured maximum",
                    address, deviceId);
        }
        return new Outcome(device, 0);
    }
}
