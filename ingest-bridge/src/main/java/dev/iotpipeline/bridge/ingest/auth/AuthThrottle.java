package dev.iotpipeline.bridge.ingest.auth;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed authentications per source address and per device id. Past the allowed failures a key
 * waits before its next check, the wait doubling from one second up to a maximum, so password
 * guessing costs the guesser time instead of costing the fleet PBKDF2 runs. A key is forgotten
 * once it stays quiet for twice the maximum wait; a success clears the device id's failures.
 * Thread-safe.
 */
public final class AuthThrottle {

    private static final long FIRST_DELAY_MS = 1_000;
    private static final int MAX_TRACKED = 100_000;

    private static final class Failures {
        int count;
        long last;
        long blockedUntil;
    }

    private final int perAddress;
    private final int perDevice;
    private final long maxDelayMs;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();

    /**
     * @param perAddress failures allowed from one address before it waits
     * @param perDevice failures allowed for one device id before it waits
     * @param maxDelayMs the longest wait; 0 turns throttling off
     */
    public AuthThrottle(int perAddress, int perDevice, long maxDelayMs, LongSupplier clock) {
        this.perAddress = perAddress;
        this.perDevice = perDevice;
        this.maxDelayMs = maxDelayMs;
        this.clock = clock;
    }

    /** Milliseconds before {@code address} or {@code deviceId} may try again; 0 when it may now. */
    public long waitMillis(String address, String deviceId) {
        if (maxDelayMs <= 0) {
            return 0;
        }
        long now = clock.getAsLong();
        return Math.max(wait(addressKey(address), now), deviceId == null ? 0 : wait(deviceKey(deviceId), now));
    }

    /** Counts a failed authentication; returns true when it makes an address or device start waiting (worth one WARN). */
    public boolean failed(String address, String deviceId) {
        if (maxDelayMs <= 0) {
            return false;
        }
        if (failures.size() >= MAX_TRACKED) {
            long now = clock.getAsLong();
            failures.values().removeIf(f -> now - f.last > 2 * maxDelayMs);
        }
        boolean started = count(addressKey(address), perAddress);
        return deviceId != null && count(deviceKey(deviceId), perDevice) || started;
    }

    /** The device proved its secret: its own failures are forgotten (the address's are not). */
    public void succeeded(String deviceId) {
        if (deviceId != null) {
            failures.remove(deviceKey(deviceId));
        }
    }

    private long wait(String key, long now) {
        Failures entry = failures.get(key);
        if (entry == null) {
            return 0;
        }
        synchronized (entry) {
            return Math.max(0, entry.blockedUntil - now);
        }
    }

    private boolean count(String key, int allowed) {
        long now = clock.getAsLong();
        Failures entry = failures.computeIfAbsent(key, k -> new Failures());
        synchronized (entry) {
            if (now - entry.last > 2 * maxDelayMs) {
                entry.count = 0; // quiet long enough: a fresh start
            }
            entry.count++;
            entry.last = now;
            int over = entry.count - allowed;
            if (over <= 0) {
                return false;
            }
            long delay = Math.min(maxDelayMs, FIRST_DELAY_MS << Math.min(over - 1, 20));
            entry.blockedUntil = now + delay;
            return over == 1;
        }
    }

    private static String addressKey(String address) {
        return "address " + address;
    }

    private static String deviceKey(String deviceId) {
        return "device " + deviceId;
    }
}
