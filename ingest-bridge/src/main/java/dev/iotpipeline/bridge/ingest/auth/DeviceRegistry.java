package dev.iotpipeline.bridge.ingest.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices allowed to connect, kept in a JSON file ({@code {"devices":[{"id","type",
 * "secret_hash","enabled"}]}}) and re-read when the file changes, so provisioning needs no restart.
 * A successful check of a secret is remembered (as a SHA-256 of it, in memory only), so a fleet
 * reconnecting does not pay the PBKDF2 cost again on the event loop.
 */
public final class DeviceRegistry {

    /** The file's shape. */
    public record DevicesFile(@JsonProperty("devices") List<Device> devices) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final long CHECK_INTERVAL_MS = 1_000;

    private final Path file;
    private volatile Map<String, Device> devices = Map.of();
    private volatile FileTime loadedVersion;
    private volatile long lastCheck;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    public DeviceRegistry(Path file) {
        this.file = file;
        reloadIfChanged(true);
    }

    public Path file() {
        return file;
    }

    public Optional<Device> find(String deviceId) {
        reloadIfChanged(false);
        Device device = devices.get(deviceId);
        if (device == null) {
            // Just provisioned? A miss looks at the file's modification time at once (a stat; it is parsed only if changed).
            reloadIfChanged(false, true);
            device = devices.get(deviceId);
        }
        return Optional.ofNullable(device);
    }

    /**
     * Whether {@link #authenticate} would have to compute a password hash: the device exists and is
     * enabled, and this secret has not been verified for it yet. Callers on an event loop run such
     * checks on a worker thread, since PBKDF2 takes tens of milliseconds by design.
     */
    public boolean needsHashCheck(String deviceId, String secret) {
        if (deviceId == null || secret == null) {
            return false;
        }
        Optional<Device> device = find(deviceId).filter(Device::enabled);
        if (device.isEmpty()) {
            return false;
        }
        byte[] known = verified.get(deviceId);
        return known == null || !MessageDigest.isEqual(known, fingerprint(device.get(), secret));
    }

    /** The device, if it exists, is enabled and the secret is its own. */
    public Optional<Device> authenticate(String deviceId, String secret) {
        if (deviceId == null || secret == null) {
            return Optional.empty();
        }
        Optional<Device> device = find(deviceId).filter(Device::enabled);
        if (device.isEmpty()) {
            return Optional.empty();
        }
        byte[] fingerprint = fingerprint(device.get(), secret);
        byte[] known = verified.get(deviceId);
        if (known != null && MessageDigest.isEqual(known, fingerprint)) {
            return device;
        }
        if (!PasswordHash.verify(secret, device.get().secretHash())) {
            return Optional.empty();
        }
        verified.put(deviceId, fingerprint);
        return device;
    }

    public Collection<Device> all() {
        reloadIfChanged(false);
        return devices.values();
    }

    /** Adds or replaces a device and writes the file atomically. */
    public synchronized void put(Device device) throws IOException {
        reloadIfChanged(true);
        Map<String, Device> next = new TreeMap<>(devices);
        next.put(device.id(), device);
        write(next);
    }

    /** Adds or replaces many devices with one atomic write of the file (a later entry for the same id wins). */
    public synchronized void putAll(Collection<Device> added) throws IOException {
        reloadIfChanged(true);
        Map<String, Device> next = new TreeMap<>(devices);
        for (Device device : added) {
            next.put(device.id(), device);
        }
        write(next);
    }

    /** Removes a device with one atomic write of the file; false when there is no such device. */
    public synchronized boolean remove(String deviceId) throws IOException {
        reloadIfChanged(true);
        if (!devices.containsKey(deviceId)) {
            return false;
        }
        Map<String, Device> next = new TreeMap<>(devices);
        next.remove(deviceId);
        write(next);
        return true;
    }

    private void write(Map<String, Device> next) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".devices", ".json");
        JSON.writeValue(temp.toFile(), new DevicesFile(new ArrayList<>(next.values())));
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        reloadIfChanged(true);
    }

    private void reloadIfChanged(boolean force) {
        reloadIfChanged(force, false);
    }

    private void reloadIfChanged(boolean force, boolean ignoreInterval) {
        long now = System.currentTimeMillis();
        if (!force && !ignoreInterval && now - lastCheck < CHECK_INTERVAL_MS) {
            return;
        }
        lastCheck = now;
        try {
            if (!Files.exists(file)) {
                devices = Map.of();
                return;
            }
            FileTime modified = Files.getLastModifiedTime(file);
            if (!force && modified.equals(loadedVersion)) {
                return;
            }
            Map<String, Device> next = parse(JSON.readValue(file.toFile(), DevicesFile.class));
            devices = next;
            verified.clear();
            loadedVersion = modified;
            LOG.info("Device registry {} loaded: {} devices", file, next.size());
        } catch (IOException e) {
            // Keep the last good registry: a half-written or broken file must not lock every device out.
            LOG.error("Cannot read the device registry {}; keeping the previous one: {}", file, e.getMessage());
        }
    }

    /** Every entry must name an id, a type and a hash; one that does not makes the whole file broken. */
    private static Map<String, Device> parse(DevicesFile parsed) throws IOException {
        if (parsed == null || parsed.devices() == null) {
            throw new IOException("the file has no \"devices\" list");
        }
        Map<String, Device> next = new TreeMap<>();
        for (int i = 0; i < parsed.devices().size(); i++) {
            Device device = parsed.devices().get(i);
            if (device == null || blank(device.id()) || blank(device.type()) || blank(device.secretHash())) {
                throw new IOException("device entry " + (i + 1) + " needs an id, a type and a secret_hash");
            }
            next.put(device.id(), device);
        }
        return next;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static byte[] fingerprint(Device device, String secret) {
        return sha256(device.secretHash() + "\u0000" + secret);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
