package dev.iotpipeline.bridge;

import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import dev.iotpipeline.bridge.ingest.auth.PasswordHash;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Provisions devices in the registry file a bridge reads ({@code devices.file}); a running bridge
 * picks changes up without a restart. Secrets are stored only as PBKDF2 hashes.
 */
public final class DeviceProvisioning {

    /** PBKDF2 iterations of a device's secret hash unless told otherwise. */
    public static final int DEFAULT_ITERATIONS = PasswordHash.DEFAULT_ITERATIONS;

    /** A provisioned device, without its secret. */
    public record ProvisionedDevice(String id, String type, boolean enabled) {
    }

    /** A device to provision with its secret in plain text (hashed before it is written). */
    public record NewDevice(String id, String type, String secret) {
    }

    private final DeviceRegistry registry;

    public DeviceProvisioning(Path devicesFile) {
        this.registry = new DeviceRegistry(devicesFile);
    }

    public Path file() {
        return registry.file();
    }

    /** Adds (or re-keys) an enabled device whose secret is hashed with {@link #DEFAULT_ITERATIONS}. */
    public void put(String id, String type, String secret) throws IOException {
        put(id, type, secret, DEFAULT_ITERATIONS);
    }

    /**
     * Adds (or re-keys) an enabled device. Fewer {@code iterations} make checking the secret
     * cheaper, and guessing it too: only tests use fewer than the default.
     */
    public void put(String id, String type, String secret, int iterations) throws IOException {
        registry.put(new Device(id, type, PasswordHash.hash(secret, iterations), true));
    }

    /**
     * Adds (or re-keys) many enabled devices with a single write of the registry file (one
     * {@link #put} per device rewrites the whole file each time, quadratic for a fleet). Secrets
     * are hashed on all cores first; nothing is written if any device is invalid.
     */
    public void putAll(Collection<NewDevice> devices, int iterations) throws IOException {
        for (NewDevice device : devices) {
            if (device.id() == null || device.id().isEmpty() || device.type() == null || device.type().isEmpty()
                    || device.secret() == null || device.secret().isEmpty()) {
                throw new IllegalArgumentException("A device needs an id, a type and a secret: " + device.id());
            }
        }
        List<Device> hashed = devices.parallelStream()
                .map(d -> new Device(d.id(), d.type(), PasswordHash.hash(d.secret(), iterations), true)).toList();
        registry.putAll(hashed);
    }

    /**
     * Makes sure the device is provisioned with this secret: an enabled device of that type whose
     * secret already verifies is kept as it is, anything else is (re)written with the default
     * iterations. Returns whether it was written.
     */
    public boolean ensure(String id, String type, String secret) throws IOException {
        Optional<Device> known = registry.find(id);
        if (known.isPresent() && known.get().enabled() && known.get().type().equals(type)
                && PasswordHash.verify(secret, known.get().secretHash())) {
            return false;
        }
        put(id, type, secret);
        return true;
    }

    /** Disables a device: it can no longer connect. Returns false when there is no such device. */
    public boolean disable(String id) throws IOException {
        Optional<Device> device = registry.find(id);
        if (device.isEmpty()) {
            return false;
        }
        registry.put(new Device(id, device.get().type(), device.get().secretHash(), false));
        return true;
    }

    /**
     * Removes a device from the registry: it can no longer connect, and a running bridge disconnects
     * it at its next publish (bridges look at the file at most a second after it changed). Returns
     * false when there is no such device.
     */
    public boolean remove(String id) throws IOException {
        return registry.remove(id);
    }

    public Optional<ProvisionedDevice> find(String id) {
        return registry.find(id).map(DeviceProvisioning::view);
    }

    /** Every device, ordered by id. */
    public List<ProvisionedDevice> list() {
        return registry.all().stream().map(DeviceProvisioning::view).toList();
    }

    /** A random secret for a new device: 24 bytes, URL-safe base64. */
    public static String newSecret() {
        return PasswordHash.newSecret();
    }

    private static ProvisionedDevice view(Device device) {
        return new ProvisionedDevice(device.id(), device.type(), device.enabled());
    }
}
