package dev.iotpipeline.bridge.ingest.kafka;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The payload bytes the whole bridge may have sent to Kafka and not yet had acknowledged. When
 * Kafka is slow or down, messages past the budget are refused with a reason instead of queued,
 * so memory stays bounded.
 */
public final class InflightBudget {

    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();

    public InflightBudget(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("max.inflight.bytes must be positive, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Takes {@code bytes} from the budget if they fit; the caller must {@link #release} them when Kafka answers. */
    public boolean tryAcquire(int bytes) {
        while (true) {
            long current = used.get();
            if (current + bytes > maxBytes) {
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    public void release(int bytes) {
        used.addAndGet(-bytes);
    }

    public long used() {
        return used.get();
    }

    public long maxBytes() {
        return maxBytes;
    }
}
