package dev.iotpipeline.connect.common;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transient failure (store or registry unavailable): the worker waits the backoff and redelivers
 * the same records, as long as it takes. Counts the retries for the task's metrics.
 */
public final class Retries {

    private static final Logger LOG = LoggerFactory.getLogger(Retries.class);

    private final SinkTaskContext context;
    private final long backoffMs;
    private final AtomicLong count = new AtomicLong();

    public Retries(SinkTaskContext context, long backoffMs) {
        this.context = context;
        this.backoffMs = backoffMs;
    }

    /** Asks the worker to wait the backoff; throw what this returns from {@code put}. */
    public RetriableException retry(String why, Exception cause) {
        count.incrementAndGet();
        LOG.warn("Retrying in {} ms: {}", backoffMs, why);
        context.timeout(backoffMs);
        return new RetriableException(why, cause);
    }

    /** Retries since the task started. */
    public long count() {
        return count.get();
    }
}
