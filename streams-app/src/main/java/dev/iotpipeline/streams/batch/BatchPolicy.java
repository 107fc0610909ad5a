package dev.iotpipeline.streams.batch;

import java.time.Duration;

/**
 * When a micro-batch closes: at {@code maxRecords} records, before it would exceed
 * {@code maxBytes} of serialized records, or {@code maxAge} of wall-clock time after its first
 * record, whichever comes first (like a Firehose buffering hint).
 *
 * @param maxRecords most records in one batch
 * @param maxBytes most serialized record bytes in one batch; see {@link #forTopicLimit}
 * @param maxAge longest a batch stays open, in wall-clock time, so a quiet fleet still flushes
 */
public record BatchPolicy(int maxRecords, long maxBytes, Duration maxAge) {

    public static final int DEFAULT_MAX_RECORDS = 10_000;
    public static final long DEFAULT_MAX_BYTES = 5L * 1024 * 1024;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(60);
    /** Room in a batch message for the envelope, key, headers and Kafka's record overhead. */
    static final long ENVELOPE_HEADROOM_BYTES = 16 * 1024;

    public BatchPolicy {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("batch.max.records must be at least 1, got " + maxRecords);
        }
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("batch.max.bytes must be at least 1024, got " + maxBytes);
        }
        if (maxAge.toMillis() < 1) {
            throw new IllegalArgumentException("batch.max.age.ms must be at least 1, got " + maxAge.toMillis());
        }
    }

    public static BatchPolicy defaults() {
        return new BatchPolicy(DEFAULT_MAX_RECORDS, DEFAULT_MAX_BYTES, DEFAULT_MAX_AGE);
    }

    /**
     * This policy with {@code maxBytes} lowered, if needed, so that a full batch still fits the
     * batch topic's {@code max.message.bytes} (and the producer's {@code max.request.size}).
     */
    public BatchPolicy forTopicLimit(long maxMessageBytes) {
        long fits = maxMessageBytes - ENVELOPE_HEADROOM_BYTES;
        if (fits < 1024) {
            throw new IllegalArgumentException("The batch topic's max.message.bytes " + maxMessageBytes
                    + " leaves no room for a batch");
        }
        return fits >= maxBytes ? this : new BatchPolicy(maxRecords, fits, maxAge);
    }

    /** How often the wall clock is checked for batches past their age. */
    public Duration ageCheckInterval() {
        long quarter = Math.max(1, maxAge.toMillis() / 4);
        return Duration.ofMillis(Math.min(1_000, quarter));
    }
}
