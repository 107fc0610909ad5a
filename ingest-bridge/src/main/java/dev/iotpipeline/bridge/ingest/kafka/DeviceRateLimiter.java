package dev.iotpipeline.bridge.ingest.kafka;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Messages per second per device, as a token bucket (burst = two seconds' worth), shared by MQTT
 * and HTTP. A device over its rate is refused (MQTT 5: quota exceeded, MQTT 3.1.1: disconnect,
 * HTTP 429 with Retry-After); nothing over the rate is acknowledged.
 */
public final class DeviceRateLimiter {

    private static final int MAX_TRACKED = 1_000_000;

    private static final class Bucket {
        double tokens;
        long refilledNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledNanos = now;
        }
    }

    private final double perSecond;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param perSecond messages per second per device; 0 disables the limit */
    public DeviceRateLimiter(double perSecond) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, perSecond * 2);
    }

    /** Takes one message from the device's budget, if it has one. */
    public boolean tryAcquire(String deviceId) {
        if (perSecond <= 0) {
            return true;
        }
        long now = System.nanoTime();
        if (buckets.size() > MAX_TRACKED) {
            buckets.clear();
        }
        Bucket bucket = buckets.computeIfAbsent(deviceId, id -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilledNanos) / 1e9 * perSecond);
            bucket.refilledNanos = now;
            if (bucket.tokens < 1) {
                return false;
            }
            bucket.tokens -= 1;
            return true;
        }
    }
}
