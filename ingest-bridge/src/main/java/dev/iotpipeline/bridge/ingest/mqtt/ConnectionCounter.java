package dev.iotpipeline.bridge.ingest.mqtt;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Open connections in total and per source address, to refuse past the configured limits. */
final class ConnectionCounter {

    private final AtomicInteger total;
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final int maxTotal;
    private final int maxPerAddress;

    ConnectionCounter(AtomicInteger total, int maxTotal, int maxPerAddress) {
        this.total = total;
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /** Counts a connection from {@code address}, or returns the refusal reason and counts nothing. */
    String tryOpen(String address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return "too-many-connections";
        }
        AtomicInteger fromAddress = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (fromAddress.incrementAndGet() > maxPerAddress) {
            fromAddress.decrementAndGet();
            total.decrementAndGet();
            return "too-many-connections-from-address";
        }
        return null;
    }

    void close(String address) {
        total.decrementAndGet();
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
}
