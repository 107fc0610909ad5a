package dev.iotpipeline.bridge.ingest.mqtt;

import dev.iotpipeline.bridge.ingest.auth.Authenticator;
import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import dev.iotpipeline.bridge.ingest.kafka.RawPublisher;
import dev.iotpipeline.bridge.ingest.kafka.ShadowReports;
import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.ConnectionCounter;
import dev.iotpipeline.bridge.ingest.net.HookedVertx;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import dev.iotpipeline.bridge.ingest.routing.TopicRouter;
import dev.iotpipeline.bridge.ingest.tls.TlsSettings;
import dev.iotpipeline.bridge.link.Deliveries;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT 3.1.1 / 5 listeners: TCP, TLS, and a loopback listener that takes MQTT over WebSocket
 * relayed by the HTTP listener (with a PROXY protocol header naming the real client address).
 *
 * <p>A device connects with username = its id and password = its secret, or over TLS with a client
 * certificate whose CN is its id; the client id must be its id. A secret not verified before is
 * checked on a worker thread (PBKDF2 is slow by design), then remembered, so reconnects are cheap;
 * repeated failures from one address or for one id are throttled ({@link Authenticator}). Before
 * authentication a connection is held to the {@link PreAuthGuard}'s limits (pending connections in
 * total and per address, a CONNECT deadline from accept); after it, connections past the total or
 * per-address limits are refused as server busy. QoS 2 is refused: MQTT 5 clients are told
 * Maximum QoS 1 in the CONNACK; a QoS 2 PUBLISH ends the connection ("QoS not supported", or a
 * plain close for 3.1.1). Topic aliases are refused the same way (Topic Alias Maximum 0).
 */
public final class MqttIngest {

    static final int MQTT_5 = 5;
    private static final Logger LOG = LoggerFactory.getLogger(MqttIngest.class);

    private final Vertx vertx;
    private final DeviceRegistry devices;
    private final Authenticator authenticator;
    private final TopicRouter router;
    private final RawPublisher publisher;
    private final BridgeMetrics metrics;
    private final MqttLimits limits;
    private final ConnectionCounter connections;
    private final Vertx guarded;
    private final WarnOnce warnOnce = new WarnOnce(LOG);
    private final Deliveries deliveries;
    private final ShadowReports reports;
    /** The live connection of each client id on this instance: a new one takes the session over (MQTT 3.1.4-3). */
    private final Map<String, MqttEndpoint> live = new ConcurrentHashMap<>();

    /**
     * @param deliveries where sessions register for commands and shadows ({@link Deliveries#NONE} when off)
     * @param reports reported shadow states, or null when delivery is off
     */
    public MqttIngest(Vertx vertx, DeviceRegistry devices, Authenticator authenticator, TopicRouter router, RawPublisher publisher,
                      BridgeMetrics metrics, MqttLimits limits, Deliveries deliveries, ShadowReports reports) {
        this.vertx = vertx;
        this.devices = devices;
        this.authenticator = authenticator;
        this.router = router;
        this.publisher = publisher;
        this.metrics = metrics;
        this.limits = limits;
        this.deliveries = deliveries;
        this.reports = reports;
        this.connections = new ConnectionCounter(metrics.connections(), limits.maxConnections(), limits.maxConnectionsPerAddress(),
                "too-many-connections");
        AtomicInteger pending = new AtomicInteger();
        metrics.pendingConnections(pending);
        this.guarded = new HookedVertx(vertx, new PreAuthGuard(new ConnectionCounter(pending, limits.maxPendingConnections(),
                limits.maxPendingConnectionsPerAddress(), "too-many-pending-connections"),
                TimeUnit.SECONDS.toMillis(limits.connectTimeoutSeconds()), metrics, warnOnce));
    }

    /** The plain TCP listener. */
    public Future<MqttServer> listen(String host, int port) {
        return start(options(host, port));
    }

    /** The MQTT over TLS listener. */
    public Future<MqttServer> listenTls(String host, int port, TlsSettings tls) {
        return start(tls.apply(options(host, port)));
    }

    /** The loopback listener behind the WebSocket relay: it expects a PROXY protocol header first. */
    public Future<MqttServer> listenForRelay() {
        MqttServerOptions options = options("127.0.0.1", 0);
        options.setUseProxyProtocol(true);
        return start(options);
    }

    private MqttServerOptions options(String host, int port) {
        MqttServerOptions options = new MqttServerOptions().setHost(host).setPort(port)
                .setMaxMessageSize(limits.maxPacketBytes())
                // The CONNECT deadline is the PreAuthGuard's (counted and logged); Vert.x's own timer is only a backstop.
                .setTimeoutOnConnect(2 * limits.connectTimeoutSeconds())
                .setAutoClientId(false);
        // Before the accept hook sees a connection: its PROXY header or TLS handshake, each as long as the CONNECT deadline.
        options.setProxyProtocolTimeout(limits.connectTimeoutSeconds() * 1000L);
        options.setSslHandshakeTimeout(limits.connectTimeoutSeconds()).setSslHandshakeTimeoutUnit(TimeUnit.SECONDS);
        return options;
    }

    private Future<MqttServer> start(MqttServerOptions options) {
        return MqttServer.create(guarded, options).endpointHandler(this::connect)
                .exceptionHandler(error -> warnOnce.warn("unconnected", "MQTT connection closed before CONNECT completed: {}",
                        error.toString()))
                .listen();
    }

    private void connect(MqttEndpoint endpoint) {
        boolean v5 = endpoint.protocolVersion() == MQTT_5;
        String address = endpoint.remoteAddress() == null ? "unknown" : endpoint.remoteAddress().hostAddress();
        String username = endpoint.auth() == null ? null : endpoint.auth().getUsername();
        if (invalidIdentifier(endpoint.clientIdentifier()) || invalidIdentifier(username)) {
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "invalid-identifier", address);
            return;
        }
        Optional<String> certified = endpoint.isSsl() ? TlsSettings.certificateDeviceId(endpoint.sslSession()) : Optional.empty();
        if (certified.isPresent()) {
            // A verified client certificate names the device; a username, if sent, must name the same one.
            boolean consistent = username == null || username.equals(certified.get());
            admit(endpoint, v5, address, consistent ? devices.find(certified.get()).filter(Device::enabled) : Optional.empty());
            return;
        }
        String password = endpoint.auth() == null ? null : endpoint.auth().getPassword();
        // A PBKDF2 check runs on a worker thread; the outcome is handled on this connection's
        // context again. A client that publishes before its CONNACK is closed.
        boolean[] closed = {false};
        endpoint.closeHandler(v -> closed[0] = true);
        authenticator.authenticate(address, username, password).onComplete(checked -> {
            if (closed[0]) {
                return;
            }
            if (checked.succeeded() && checked.result().throttled()) {
                metrics.securityRefusal("mqtt", "throttled");
                refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, "auth-throttled", address);
                return;
            }
            admit(endpoint, v5, address, checked.succeeded() ? checked.result().device() : Optional.empty());
        });
    }

    /** Accepts an authenticated device, or refuses the connection with the reason that applies. */
    private void admit(MqttEndpoint endpoint, boolean v5, String address, Optional<Device> device) {
        if (device.isEmpty()) {
            metrics.securityRefusal("mqtt", "authentication");
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, "bad-credentials", address);
            return;
        }
        if (!device.get().id().equals(endpoint.clientIdentifier())) {
            metrics.securityRefusal("mqtt", "authentication");
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "client-id-mismatch", address);
            return;
        }
        String limited = connections.tryOpen(address);
        if (limited != null) {
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, limited, address);
            return;
        }
        // Handlers in place before the CONNACK: a PUBLISH right after it must find them.
        String id = device.get().id();
        MqttSession session = new MqttSession(endpoint, device.get(), v5, vertx.getOrCreateContext(), router, publisher,
                metrics, limits, warnOnce, deliveries, reports, () -> devices.find(id).map(Device::enabled).orElse(false));
        session.install();
        endpoint.closeHandler(v -> {
            connections.close(address);
            live.remove(endpoint.clientIdentifier(), endpoint);
            session.closed();
        });
        endpoint.accept(false, v5 ? serverProperties() : MqttProperties.NO_PROPERTIES);
        MqttEndpoint previous = live.put(endpoint.clientIdentifier(), endpoint);
        if (previous != null && previous != endpoint) {
            LOG.info("Device {} connected again from {}: closing its previous connection", device.get().id(), address);
            if (previous.protocolVersion() == MQTT_5) {
                previous.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
            } else {
                previous.close();
            }
        }
        LOG.debug("Device {} connected from {} (MQTT {})", device.get().id(), address, v5 ? "5" : "3.1.1");
    }

    /** MQTT allows these characters in a client id or username; as an id in topics they would be wildcards or levels. */
    private static boolean invalidIdentifier(String value) {
        return value != null && (value.contains("+") || value.contains("#") || value.contains("/") || value.indexOf('\u0000') >= 0);
    }

    private MqttProperties serverProperties() {
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(),
                limits.receiveMaximum()));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(),
                limits.maxPacketBytes()));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_QOS.value(), 1));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 0));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
        return properties;
    }

    private void refuse(MqttEndpoint endpoint, MqttConnectReturnCode code, String reason, String address) {
        metrics.refused("mqtt", reason);
        // Once per address and reason: before authentication the client id is the client's choice, new on every attempt if it likes.
        warnOnce.warn(address + " " + reason, "Refused MQTT connection of client '{}' from {}: {}", endpoint.clientIdentifier(),
                address, reason);
        endpoint.reject(code);
    }
}
