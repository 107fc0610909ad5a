package dev.iotpipeline.bridge.ingest.net;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open connections in total and per source address, to refuse past the configured limits; each
 * refusal names the limit it hit (the reason of the refusal metric).
 */
public final class ConnectionCounter {

    private final AtomicInteger total;
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final int maxTotal;
    private final int maxPerAddress;
    private final String totalReason;
    private final String perAddressReason;

    /**
     * @param total the count, shared with a gauge
     * @param reason the refusal reason past {@code maxTotal}; past {@code maxPerAddress} it is this + {@code -from-address}
     */
    public ConnectionCounter(AtomicInteger total, int maxTotal, int maxPerAddress, String reason) {
        this.total = total;
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.totalReason = reason;
        this.perAddressReason = reason + "-from-address";
    }

    /** Counts a connection from {@code address}, or returns the refusal reason and counts nothing. */
    public String tryOpen(String address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return totalReason;
        }
        AtomicInteger fromAddress = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (fromAddress.incrementAndGet() > maxPerAddress) {
            fromAddress.decrementAndGet();
            total.decrementAndGet();
            return perAddressReason;
        }
        return null;
    }

    public void close(String address) {
        total.decrementAndGet();
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** Connections now counted. */
    public int open() {
        return total.get();
    }
}
