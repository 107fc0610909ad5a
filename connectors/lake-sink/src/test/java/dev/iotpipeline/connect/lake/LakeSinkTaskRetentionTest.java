package dev.iotpipeline.connect.lake;

import static dev.iotpipeline.connect.common.TestBatches.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task keeping whole UTC days: what it refuses as expired, and which partitions it drops, and when. */
class LakeSinkTaskRetentionTest {

    /** With 400 days the lake keeps 2025-11-01 and later. */
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    static final Instant CUTOFF = Instant.parse("2025-11-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void readingsOlderThanTheCutoffAreDeadLetteredAsExpiredAndTheirNewerBatchMatesAreWritten() throws Exception {
        TaskHarness harness = new TaskHarness(NOW);
        Path lake = dir.resolve("lake");
        LakeSinkTask task = harness.start(Map.of("lake.local.dir", lake.toString(), "retention.days", "400"));
        Instant justBefore = CUTOFF.minusMillis(1);
        Instant longBefore = Instant.parse("2024-03-01T08:00:00Z");

        task.put(List.of(harness.env(20, List.of(TestBatches.env("new", "m1", T0, 1.0), TestBatches.env("old", "m2", justBefore,
                2.0), TestBatches.env("edge", "m3", CUTOFF, 3.0), TestBatches.env("older", "m4", longBefore, 4.0)))));

        assertThat(LakeSinkTaskTest.parquetFiles(lake)).containsExactly(
                "env_readings/event_date=2025-11-01/event_hour=00/env_reading-0-20-23_2025-11-01T00.parquet",
                "env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-20-23_2025-11-23T21.parquet");
        assertThat(DuckDb.rows("SELECT device_id FROM " + DuckDb.table(lake, "env_readings") + " ORDER BY 1"))
                .containsExactly(List.of("edge"), List.of("new"));
        List<SinkRecord> letters = harness.context.deadLetterRecords;
        assertThat(letters).extracting(r -> header(r, DeadLetterHeaders.REASON)).containsExactly("expired", "expired");
        assertThat(letters).extracting(r -> header(r, DeadLetterHeaders.DEVICE_ID)).containsExactly("old", "older");
        assertThat(letters).extracting(r -> header(r, DeadLetterHeaders.ROW_POSITION)).containsExactly("1", "3");
        assertThat(harness.context.deadLetters.get(0)).contains("event_time " + justBefore + " is before " + CUTOFF,
                "the lake keeps 400 days, whole event_date partitions");
        assertThat(task.preCommit(Map.of(new TopicPartition(TaskHarness.ENV_TOPIC, 0), new OffsetAndMetadata(21))))
                .containsValue(new OffsetAndMetadata(21));
        task.stop();
    }

    @Test
    void expiredPartitionsAreDroppedWhenTheTaskStartsAndAgainOnceTheIntervalHasPassedEvenWithoutRecords() {
        Path lake = dir.resolve("lake");
        put(lake, "env_readings/event_date=2025-10-31/event_hour=23/a.parquet", "env_readings/event_date=2025-11-01/event_hour=00/b.parquet",
                "positions/event_date=2025-11-01/event_hour=05/c.parquet", "env_readings/event_date=2025-11-02/event_hour=00/d.parquet");
        TaskHarness harness = new TaskHarness(NOW);

        LakeSinkTask task = harness.start(Map.of("lake.local.dir", lake.toString(), "retention.days", "400",
                "retention.check.interval.ms", "3600000"));
        assertThat(LakeSinkTaskTest.parquetFiles(lake)).as("dropped at start").containsExactly(
                "env_readings/event_date=2025-11-01/event_hour=00/b.parquet", "env_readings/event_date=2025-11-02/event_hour=00/d.parquet",
                "positions/event_date=2025-11-01/event_hour=05/c.parquet");

        harness.clock.advance(Duration.ofHours(13)); // past midnight: the cutoff is now 2025-11-02, and the interval has passed
        task.put(List.of());
        assertThat(LakeSinkTaskTest.parquetFiles(lake)).as("the interval has passed, and 2025-11-01 has expired").containsExactly(
                "env_readings/event_date=2025-11-02/event_hour=00/d.parquet");

        put(lake, "positions/event_date=2025-10-01/event_hour=00/late.parquet");
        harness.clock.advance(Duration.ofMinutes(30));
        task.put(List.of());
        assertThat(LakeSinkTaskTest.parquetFiles(lake)).as("not due yet").hasSize(2);
        harness.clock.advance(Duration.ofMinutes(30));
        task.put(List.of());
        assertThat(LakeSinkTaskTest.parquetFiles(lake)).containsExactly("env_readings/event_date=2025-11-02/event_hour=00/d.parquet");
        task.stop();
    }

    @Test
    void withZeroDaysTheLakeKeepsEverythingAndWritesReadingsOfAnyAge() throws Exception {
        Path lake = dir.resolve("lake");
        put(lake, "env_readings/event_date=2001-01-01/event_hour=00/a.parquet");
        TaskHarness harness = new TaskHarness(NOW);
        LakeSinkTask task = harness.start(Map.of("lake.local.dir", lake.toString(), "retention.days", "0"));

        task.put(List.of(harness.env(0, List.of(TestBatches.env("ancient", "m1", Instant.parse("2001-01-01T00:30:00Z"), 1.0)))));
        harness.clock.advance(Duration.ofDays(1000));
        task.put(List.of());

        assertThat(LakeSinkTaskTest.parquetFiles(lake)).containsExactly("env_readings/event_date=2001-01-01/event_hour=00/a.parquet",
                "env_readings/event_date=2001-01-01/event_hour=00/env_reading-0-0-0_2001-01-01T00.parquet");
        assertThat(harness.context.deadLetters).isEmpty();
        task.stop();
    }

    private static void put(Path lake, String... keys) {
        try (LocalLakeStorage storage = new LocalLakeStorage(lake)) {
            for (String key : keys) {
                storage.write(key, file -> {
                    try (OutputStream out = file.createOrOverwrite(0)) {
                        out.write(1);
                    }
                });
            }
        }
    }

    private static String header(SinkRecord record, String key) {
        Header header = record.headers().lastWithName(key);
        return header == null ? null : header.value().toString();
    }
}
