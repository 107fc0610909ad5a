package dev.iotpipeline.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SinkMetricsTest {

    /** Every registered metric by name and tags, read when asked. */
    private final Map<String, Supplier<? extends Number>> registered = new TreeMap<>();
    private final SinkMetrics metrics = new SinkMetrics((name, description, tags, value) ->
            registered.put(name + new TreeMap<>(tags), value));

    private double value(String key) {
        return registered.get(key).get().doubleValue();
    }

    @Test
    void storedBatchesCountRowsAndFilesAndPlaceEveryReadingsLatencyInCumulativeBuckets() {
        Instant committed = Instant.parse("2026-12-07T10:00:00Z");
        metrics.stored(List.of(committed.minusMillis(400), committed.minusSeconds(3), committed.minusSeconds(7200)), 3, 2, committed);
        metrics.stored(List.of(committed.minusMillis(1500)), 1, 1, committed);

        assertThat(value("batches-total{}")).isEqualTo(2);
        assertThat(value("rows-stored-total{}")).isEqualTo(4);
        assertThat(value("files-written-total{}")).isEqualTo(3);
        assertThat(value("end-to-end-latency-seconds-bucket{le=0.5}")).isEqualTo(1);
        assertThat(value("end-to-end-latency-seconds-bucket{le=1}")).isEqualTo(1);
        assertThat(value("end-to-end-latency-seconds-bucket{le=2}")).isEqualTo(2);
        assertThat(value("end-to-end-latency-seconds-bucket{le=5}")).isEqualTo(3);
        assertThat(value("end-to-end-latency-seconds-bucket{le=3600}")).isEqualTo(3);
        assertThat(value("end-to-end-latency-seconds-bucket{le=86400}")).isEqualTo(4);
        assertThat(value("end-to-end-latency-seconds-bucket{le=+Inf}")).isEqualTo(4);
        assertThat(value("end-to-end-latency-seconds-count{}")).isEqualTo(4);
        assertThat(value("end-to-end-latency-seconds-sum{}")).isEqualTo(0.4 + 3 + 7200 + 1.5);
        // Per batch, from its newest reading: 0.4 s and 1.5 s.
        assertThat(value("batch-commit-lag-seconds-bucket{le=0.5}")).isEqualTo(1);
        assertThat(value("batch-commit-lag-seconds-bucket{le=2}")).isEqualTo(2);
        assertThat(value("batch-commit-lag-seconds-count{}")).isEqualTo(2);
    }

    @Test
    void deadLettersAreCountedPerReasonEachReasonRegisteredOnceWhenFirstSeen() {
        metrics.deadLettered("expired", 2);
        metrics.deadLettered("database:23514", 1);
        metrics.deadLettered("expired", 3);

        assertThat(value("dead-lettered-readings-by-reason-total{reason=expired}")).isEqualTo(5);
        assertThat(value("dead-lettered-readings-by-reason-total{reason=database:23514}")).isEqualTo(1);
        assertThat(registered.keySet().stream().filter(k -> k.startsWith("dead-lettered"))).hasSize(2);
    }

    @Test
    void aReadingWithoutIngestTimeCountsAsStoredButHasNoLatency() {
        Instant committed = Instant.parse("2026-12-07T10:00:00Z");
        metrics.stored(java.util.Arrays.asList((Instant) null), 1, 1, committed);

        assertThat(value("rows-stored-total{}")).isEqualTo(1);
        assertThat(value("end-to-end-latency-seconds-count{}")).isZero();
        assertThat(value("batch-commit-lag-seconds-count{}")).isZero();
    }
}
