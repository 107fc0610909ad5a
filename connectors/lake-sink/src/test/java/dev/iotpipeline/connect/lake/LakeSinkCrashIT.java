package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.embedded.ConnectWorker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.testing.KafkaFixture;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed with SIGKILL after writing files but before committing their offsets, then
 * restarted: the replay rewrites the same files, and no file or row is duplicated or missing.
 */
class LakeSinkCrashIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    static final String TOPIC = "iot.batch.env_reading";
    static final String CONNECTOR = "lake-crash";
    static final int BATCHES = 40;
    static final int PER_BATCH = 1000;
    static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("'event_date='yyyy-MM-dd'/event_hour='HH").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    private Process child;

    @AfterEach
    void killChild() {
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    void aWorkerKilledBetweenWritingAndCommittingLeavesNoDuplicateOrMissingFileAfterItsRestart() throws Exception {
        KAFKA.createTopics(2, TOPIC, "iot.batch.position", "iot.deadletter.lake-crash");
        Path lake = dir.resolve("lake");
        TreeSet<String> expectedFiles = new TreeSet<>();
        produce(expectedFiles);

        child = startChild(lake);
        // Kill as soon as a few files are there: usually in the middle of the run, maybe in the middle of a file.
        // The listing races with the worker's renames: a temporary file may vanish while it is walked; look again then.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).ignoreException(UncheckedIOException.class)
                .until(() -> parquetFiles(lake).size() >= 5);
        child.destroyForcibly().waitFor();
        child = null;
        assertThat(committed()).as("the kill came before any offset commit").isEmpty();
        int filesAtKill = parquetFiles(lake).size();

        try (ConnectWorker worker = ConnectWorker.start(KAFKA.bootstrapServers(), Ports.freePort("127.0.0.1"),
                dir.resolve("connect-restarted"))) {
            worker.putConnector(CONNECTOR, connectorConfig(lake));
            Map<TopicPartition, Long> ends = endOffsets();
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(committedOffsets())
                    .as("the restarted worker committed everything").isEqualTo(ends));
        }

        System.out.printf("Killed the worker with %d of %d files written%n", filesAtKill, expectedFiles.size());
        assertThat(filesAtKill).isBetween(5, expectedFiles.size());
        assertThat(parquetFiles(lake)).containsExactlyElementsOf(expectedFiles);
        try (Stream<Path> all = Files.walk(lake)) {
            assertThat(all.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .as("no temporary file left behind").allMatch(name -> name.endsWith(".parquet") && !name.startsWith("."));
        }
        String table = DuckDb.table(lake, "env_readings");
        assertThat(DuckDb.count("SELECT count(*) FROM " + table)).isEqualTo((long) BATCHES * PER_BATCH);
        assertThat(DuckDb.count("SELECT count(DISTINCT (device_id, message_id)) FROM " + table)).isEqualTo((long) BATCHES * PER_BATCH);
    }

    /** Batches whose readings advance 7 minutes per batch (0.4 s per reading): many of them span two hours. */
    private void produce(TreeSet<String> expectedFiles) throws Exception {
        var registry = RestSchemaRegistryClient.forUrl(KAFKA.registryUrl());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int b = 0; b < BATCHES; b++) {
                List<EnvReading> readings = new ArrayList<>();
                for (int r = 0; r < PER_BATCH; r++) {
                    Instant time = TestBatches.T0.plus(Duration.ofMinutes(7L * b)).plusMillis(400L * r);
                    readings.add(TestBatches.env("crash-" + (r % 5), "b" + b + "r" + r, time, 20.0 + r / 10.0));
                }
                int partition = b % 2;
                EnvReadingBatch batch = TestBatches.envBatch(partition, b * 1000L, readings);
                for (EnvReading reading : readings) {
                    expectedFiles.add("env_readings/" + HOUR.format(reading.getEventTime()) + "/" + batch.getInfo().getBatchId()
                            + "_" + LABEL.format(reading.getEventTime()) + ".parquet");
                }
                producer.send(new ProducerRecord<>(TOPIC, partition, "k", TestBatches.wire(registry, TOPIC, batch))).get();
            }
        }
        assertThat(expectedFiles.size()).isGreaterThan(BATCHES);
    }

    private Process startChild(Path lake) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Duser.timezone=America/St_Johns", "-cp", System.getProperty("java.class.path"),
                CrashableWorker.class.getName(), KAFKA.bootstrapServers(), Integer.toString(Ports.freePort("127.0.0.1")),
                dir.resolve("connect-child").toString(), CONNECTOR));
        connectorConfig(lake).forEach((key, value) -> command.add(key + "=" + value));
        Files.createDirectories(Path.of("target"));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Path.of("target", "crashable-worker.log").toFile()).start();
    }

    /** The killed worker's consumers stay in the group until their session times out: keep that short. */
    private static Map<String, String> connectorConfig(Path lake) {
        Map<String, String> config = LakeSinkIT.connectorConfig(lake, "iot.deadletter.lake-crash", KAFKA.registryUrl());
        config.put("consumer.override.session.timeout.ms", "8000");
        return config;
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() throws Exception {
        try (Admin admin = KAFKA.admin()) {
            return admin.listConsumerGroupOffsets("connect-" + CONNECTOR).partitionsToOffsetAndMetadata().get();
        }
    }

    private Map<TopicPartition, Long> committedOffsets() throws Exception {
        Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
        committed().forEach((tp, offset) -> {
            if (tp.topic().equals(TOPIC)) {
                offsets.put(tp, offset.offset());
            }
        });
        return offsets;
    }

    private Map<TopicPartition, Long> endOffsets() throws Exception {
        try (Admin admin = KAFKA.admin()) {
            var request = Map.of(new TopicPartition(TOPIC, 0), OffsetSpec.latest(), new TopicPartition(TOPIC, 1), OffsetSpec.latest());
            Map<TopicPartition, Long> ends = new java.util.HashMap<>();
            admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }
    }

    private static List<String> parquetFiles(Path lake) throws Exception {
        if (!Files.exists(lake)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(lake)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.getFileName().toString().startsWith("."))
                    .map(p -> lake.relativize(p).toString()).sorted().toList();
        }
    }
}
