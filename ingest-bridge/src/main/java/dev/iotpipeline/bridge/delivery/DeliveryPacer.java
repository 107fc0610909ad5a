package dev.iotpipeline.bridge.delivery;

import dev.iotpipeline.bridge.link.DeviceLink;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Sends waiting for their turn, in arrival order: at most {@code ratePerSecond} overall and, per
 * group (a command), at most the group's own rate, so one broadcast to a whole fleet is spread over
 * time. The same delivery (by key) is queued once. Not thread-safe: the delivery thread owns it.
 */
final class DeliveryPacer {

    /**
     * @param key identifies the delivery, e.g. command id and device id
     * @param group the command it belongs to, or null
     * @param groupRate that command's own deliveries per second, or null for no limit of its own
     * @param delivered runs when the device has it
     */
    record Delivery(String key, String group, Integer groupRate, DeviceLink device, String topic, byte[] payload, int qos,
                    Runnable delivered) {
    }

    private final double ratePerSecond;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final Set<String> keys = new HashSet<>();
    private final Map<String, double[]> groupTokens = new HashMap<>();
    private double tokens;
    private long lastRefill = System.nanoTime();

    DeliveryPacer(double ratePerSecond) {
        this.ratePerSecond = ratePerSecond;
        this.tokens = Math.max(1, ratePerSecond / 10); // a full bucket to start with
    }

    void enqueue(Delivery delivery) {
        if (keys.add(delivery.key())) {
            queue.addLast(delivery);
        }
    }

    /** Sends what the rates allow now; {@code wanted} drops deliveries no longer to be made (expired, delivered elsewhere). */
    void drain(Predicate<Delivery> wanted) {
        long now = System.nanoTime();
        tokens = refill(tokens, lastRefill, now, ratePerSecond);
        lastRefill = now;
        for (int looked = 0, size = queue.size(); looked < size && tokens >= 1; looked++) {
            Delivery delivery = queue.pollFirst();
            if (!wanted.test(delivery)) {
                keys.remove(delivery.key());
                continue;
            }
            if (!groupAllows(delivery, now)) {
                queue.addLast(delivery); // over its command's own rate: later, in order
                continue;
            }
            keys.remove(delivery.key());
            tokens -= 1;
            delivery.device().send(delivery.topic(), delivery.payload(), delivery.qos(), delivery.delivered());
        }
    }

    int size() {
        return queue.size();
    }

    /** Drops the rate state of groups (commands) that are gone. */
    void forgetGroups(Predicate<String> gone) {
        groupTokens.keySet().removeIf(gone);
    }

    private boolean groupAllows(Delivery delivery, long now) {
        if (delivery.group() == null || delivery.groupRate() == null) {
            return true;
        }
        double[] bucket = groupTokens.computeIfAbsent(delivery.group(), id -> new double[] {1, now});
        bucket[0] = refill(bucket[0], (long) bucket[1], now, delivery.groupRate());
        bucket[1] = now;
        if (bucket[0] < 1) {
            return false;
        }
        bucket[0] -= 1;
        return true;
    }

    /** A token bucket holding at most a tenth of a second's worth (and at least one). */
    private static double refill(double tokens, long since, long now, double rate) {
        return Math.min(Math.max(1, rate / 10), tokens + (now - since) / 1e9 * rate);
    }
}
