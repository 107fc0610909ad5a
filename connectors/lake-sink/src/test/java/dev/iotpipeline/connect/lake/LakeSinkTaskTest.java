package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.connect.common.FakeSinkContext;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task outside a worker, with a registry in memory: what put writes and what preCommit lets the worker commit. */
class LakeSinkTaskTest {

    static final String TOPIC = "iot.batch.env_reading";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void writesOneFilePerHourAndLetsTheWorkerCommitOnlyWhatIsWritten() throws Exception {
        LakeSinkTask task = started(dir.resolve("lake"), new FakeSinkContext(true));
        Instant late = Instant.parse("2025-11-23T22:05:00Z");
        byte[] spanning = batch(0, 40, List.of(TestBatches.env("d1", "a", TestBatches.T0, 1.0),
                TestBatches.env("d1", "b", late, 2.0), TestBatches.env("d2", "c", TestBatches.T0, 3.0)));

        task.put(List.of(record(7, spanning)));

        assertThat(parquetFiles(dir.resolve("lake"))).containsExactly(
                "env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-40-42_2025-11-23T21.parquet",
                "env_readings/event_date=2025-11-23/event_hour=22/env_reading-0-40-42_2025-11-23T22.parquet");
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(8), new TopicPartition(TOPIC, 1), new OffsetAndMetadata(3))))
                .isEqualTo(Map.of(TP, new OffsetAndMetadata(8)));

        task.put(List.of(record(8, spanning))); // the same batch again, as after a crash
        assertThat(parquetFiles(dir.resolve("lake"))).hasSize(2);
        assertThat(DuckDb.count("SELECT count(*) FROM " + DuckDb.table(dir.resolve("lake"), "env_readings"))).isEqualTo(3);
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(9)))).isEqualTo(Map.of(TP, new OffsetAndMetadata(9)));
        task.stop();
    }

    @Test
    void anUndecodableRecordIsDeadLetteredWithItsReasonAndPassed() {
        FakeSinkContext context = new FakeSinkContext(true);
        LakeSinkTask task = started(dir.resolve("lake"), context);
        task.put(List.of(record(3, "not a batch".getBytes(StandardCharsets.UTF_8)), record(4, null)));
        assertThat(context.deadLetters).hasSize(2);
        assertThat(context.deadLetters.get(0)).startsWith("3: ").contains("Confluent wire format");
        assertThat(context.deadLetters.get(1)).startsWith("4: ").contains("tombstone");
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(5)))).isEqualTo(Map.of(TP, new OffsetAndMetadata(5)));
    }

    @Test
    void aBadReadingIsDeadLetteredAloneAndItsBatchMatesAreWritten() throws Exception {
        FakeSinkContext context = new FakeSinkContext(true);
        LakeSinkTask task = started(dir.resolve("lake"), context);
        task.put(List.of(record(5, batch(0, 50, List.of(TestBatches.env("d1", "a", TestBatches.T0, 1.0),
                TestBatches.env("d\u00002", "b", TestBatches.T0, 2.0), TestBatches.env("d3", "c", TestBatches.T0, 3.0))))));

        assertThat(DuckDb.rows("SELECT device_id FROM " + DuckDb.table(dir.resolve("lake"), "env_readings") + " ORDER BY 1"))
                .containsExactly(List.of("d1"), List.of("d3"));
        assertThat(context.deadLetters).containsExactly("5: Reading 1 (device d\\u00002, message b) of batch env_reading-0-50-52 "
                + "refused (control-character:device_id): device_id contains the control character U+0000 at index 1");
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(6)))).isEqualTo(Map.of(TP, new OffsetAndMetadata(6)));
    }

    @Test
    void withoutADeadLetterTopicAnUndecodableRecordFailsTheTask() {
        LakeSinkTask task = started(dir.resolve("lake"), new FakeSinkContext(false));
        assertThatThrownBy(() -> task.put(List.of(record(3, new byte[] {1, 2})))).isInstanceOf(ConnectException.class)
                .hasMessageContaining(TOPIC + "-0@3");
    }

    @Test
    void aLakeThatCannotBeWrittenNowIsRetriedAfterTheBackoffAndNothingIsCommitted() throws Exception {
        Path blocker = Files.writeString(dir.resolve("blocker"), "a file where the lake's directories should go");
        FakeSinkContext context = new FakeSinkContext(true);
        LakeSinkTask task = started(blocker.resolve("lake"), context);
        byte[] value = batch(1, 0, List.of(TestBatches.env("d1", "a", TestBatches.T0, 1.0)));

        assertThatThrownBy(() -> task.put(List.of(record(0, value)))).isInstanceOf(RetriableException.class)
                .hasMessageContaining("not writable now");
        assertThat(context.timeouts).containsExactly(250L);
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(1)))).isEmpty();
    }

    /**
     * The files of one delivery are published behind its encoding (fsync, rename); when one cannot
     * be, the whole delivery is retried: no offset of it counts, no dead letter of it was sent, no
     * temporary file is left, and the redelivery writes every file and sends each dead letter once.
     */
    @Test
    void aFileThatCannotBePublishedRetriesTheWholeDeliveryBeforeAnyDeadLetterOrOffset() throws Exception {
        Path lake = dir.resolve("lake");
        FakeSinkContext context = new FakeSinkContext(true);
        LakeSinkTask task = started(lake, context);
        SinkRecord first = record(10, batch(0, 60, List.of(TestBatches.env("d1", "a", TestBatches.T0, 1.0),
                TestBatches.env("d\u00002", "b", TestBatches.T0, 2.0))));
        SinkRecord second = record(11, batch(0, 62, List.of(TestBatches.env("d3", "c", TestBatches.T0, 3.0))));
        Path blocked = Files.createDirectories(lake.resolve(
                "env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-62-62_2025-11-23T21.parquet"));
        Files.writeString(blocked.resolve("in-the-way"), "a directory where the second batch's file goes");

        assertThatThrownBy(() -> task.put(List.of(first, second))).isInstanceOf(RetriableException.class)
                .hasMessageContaining("env_reading-0-62-62_2025-11-23T21.parquet");
        assertThat(context.deadLetters).isEmpty();
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(12)))).isEmpty();
        assertThat(parquetFiles(lake)).noneMatch(name -> name.endsWith(".tmp"));

        Files.delete(blocked.resolve("in-the-way"));
        Files.delete(blocked);
        task.put(List.of(first, second));
        assertThat(parquetFiles(lake)).containsExactly(
                "env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-60-61_2025-11-23T21.parquet",
                "env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-62-62_2025-11-23T21.parquet");
        assertThat(context.deadLetters).singleElement().asString().startsWith("10: ");
        assertThat(task.preCommit(Map.of(TP, new OffsetAndMetadata(12)))).isEqualTo(Map.of(TP, new OffsetAndMetadata(12)));
        task.stop();
    }

    /** On the day after the test readings, so the lake's retention never expires them. */
    private LakeSinkTask started(Path lake, FakeSinkContext context) {
        LakeSinkTask task = new LakeSinkTask(config -> registry, Clock.fixed(TestBatches.T0.plus(Duration.ofDays(1)), ZoneOffset.UTC));
        task.initialize(context);
        task.start(Map.of("schema.registry.url", "http://unused", "lake.local.dir", lake.toString(), "retry.backoff.ms", "250"));
        return task;
    }

    private byte[] batch(int partition, long firstOffset, List<EnvReading> readings) {
        return TestBatches.wire(registry, TOPIC, TestBatches.envBatch(partition, firstOffset, readings));
    }

    private static SinkRecord record(long offset, byte[] value) {
        return new SinkRecord(TOPIC, 0, null, "k", null, value, offset);
    }

    static List<String> parquetFiles(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
