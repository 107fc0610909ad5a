package dev.iotpipeline.connect.lake;

import static dev.iotpipeline.connect.common.DeadLetterTopic.header;
import static dev.iotpipeline.connect.common.TestBatches.T0;
import static dev.iotpipeline.connect.common.TestBatches.env;
import static dev.iotpipeline.connect.common.TestBatches.position;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.connect.common.DeadLetterTopic;
import dev.iotpipeline.connect.common.TaskMetrics;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.erase.LakeEraser;
import dev.iotpipeline.embedded.ConnectWorker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.testing.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The connector in a real Connect worker, against the real broker and registry, writing to local disk; read back with DuckDB. */
class LakeSinkIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    static final String ENV_TOPIC = "iot.batch.env_reading";
    static final String POSITION_TOPIC = "iot.batch.position";
    static final String DLQ = "iot.deadletter.lake";

    @TempDir
    static Path dir;

    static Path lake;
    static ConnectWorker connect;

    @BeforeAll
    static void start() {
        lake = dir.resolve("lake");
        KAFKA.createTopics(2, ENV_TOPIC, POSITION_TOPIC, DLQ);
        connect = ConnectWorker.start(KAFKA.bootstrapServers(), Ports.freePort("127.0.0.1"), dir.resolve("connect"));
        connect.putConnector("lake", connectorConfig(lake, DLQ, KAFKA.registryUrl()));
    }

    static Map<String, String> connectorConfig(Path lakeDir, String deadLetterTopic, String registryUrl) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", LakeSinkConnector.class.getName());
        config.put("tasks.max", "2");
        config.put("topics", ENV_TOPIC + "," + POSITION_TOPIC);
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        config.put("lake.local.dir", lakeDir.toString());
        config.put("schema.registry.url", registryUrl);
        config.put("retry.backoff.ms", "300");
        config.put("retention.days", "0"); // the test readings are of November 2025, whatever today is
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", deadLetterTopic);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        return config;
    }

    @AfterAll
    static void stop() {
        if (connect != null) {
            connect.close();
        }
    }

    @Test
    void batchesBecomeParquetFilesWithExactValuesAndAReplayChangesNothing() throws Exception {
        EnvReading a = env("exact-1", "m1", T0, 21.5);
        EnvReading b = EnvReading.newBuilder(env("exact-1", "m2", T0.plusSeconds(60), null)).setSensorFault(true)
                .setHumidityPct(null).setFirmware("2.3.1").setLowBattery(true).build();
        send(ENV_TOPIC, TestBatches.envBatch(0, 0, List.of(a, b)));
        send(POSITION_TOPIC, TestBatches.positionBatch(0, 0, List.of(position("trk-exact", "p1", T0))));
        Path envFile = lake.resolve("env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-0-1_2025-11-23T21.parquet");
        Path positionFile = lake.resolve("positions/event_date=2025-11-23/event_hour=21/position-0-0-0_2025-11-23T21.parquet");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(envFile) && Files.exists(positionFile));

        String envTable = DuckDb.table(lake, "env_readings");
        List<Object> m1 = DuckDb.rows("SELECT device_id, event_time, ingest_time, source_format, firmware, temperature_c, "
                + "humidity_pct, battery_pct, battery_v, sensor_fault, low_battery, CAST(event_date AS VARCHAR), "
                + "CAST(event_hour AS INTEGER), typeof(event_time) FROM " + envTable + " WHERE message_id = 'm1'").get(0);
        assertThat(m1.get(0)).isEqualTo("exact-1");
        assertThat(((OffsetDateTime) m1.get(1)).toInstant()).isEqualTo(T0);
        assertThat(((OffsetDateTime) m1.get(2)).toInstant()).isEqualTo(T0.plusSeconds(1));
        assertThat(m1.subList(3, 11)).containsExactly("env-sensor/v2", null, 21.5, 41.0, null, 3.71, false, null);
        assertThat(m1.subList(11, 14)).containsExactly("2025-11-23", 21, "TIMESTAMP WITH TIME ZONE");
        List<Object> m2 = DuckDb.rows("SELECT firmware, temperature_c, humidity_pct, sensor_fault, low_battery FROM "
                + envTable + " WHERE message_id = 'm2'").get(0);
        assertThat(m2).containsExactly("2.3.1", null, null, true, true);
        List<Object> p1 = DuckDb.rows("SELECT device_id, latitude, longitude, speed_mps, heading_deg, message_id FROM "
                + DuckDb.table(lake, "positions")).get(0);
        assertThat(p1).containsExactly("trk-exact", 35.681236, 139.767125, 3.5, null, "p1");

        // The same batch again, then a marker batch behind it on the same partition: once the marker is there, the replay was handled.
        List<String> filesBefore = files(lake);
        send(ENV_TOPIC, TestBatches.envBatch(0, 0, List.of(a, b)));
        send(ENV_TOPIC, TestBatches.envBatch(0, 2, List.of(env("exact-1", "m3", T0.plusSeconds(120), 20.0))));
        Path marker = envFile.resolveSibling("env_reading-0-2-2_2025-11-23T21.parquet");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker));

        List<String> expected = new ArrayList<>(filesBefore);
        expected.add(lake.relativize(marker).toString());
        assertThat(files(lake)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(DuckDb.count("SELECT count(*) FROM " + envTable + " WHERE device_id = 'exact-1'")).isEqualTo(3);
    }

    @Test
    void aBatchSpanningTwoHoursLandsInTwoPartitions() throws Exception {
        Instant before = Instant.parse("2025-11-24T02:59:59.999Z");
        Instant after = Instant.parse("2025-11-24T03:00:00Z");
        send(ENV_TOPIC, TestBatches.envBatch(1, 500, List.of(env("span-1", "s1", before, 1.0), env("span-1", "s2", after, 2.0),
                env("span-2", "s3", before.minusSeconds(600), 3.0))));
        Path hour2 = lake.resolve("env_readings/event_date=2025-11-24/event_hour=02/env_reading-1-500-502_2025-11-24T02.parquet");
        Path hour3 = lake.resolve("env_readings/event_date=2025-11-24/event_hour=03/env_reading-1-500-502_2025-11-24T03.parquet");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(hour2) && Files.exists(hour3));

        List<List<Object>> rows = DuckDb.rows("SELECT message_id, CAST(event_date AS VARCHAR), CAST(event_hour AS INTEGER) FROM "
                + DuckDb.table(lake, "env_readings") + " WHERE device_id LIKE 'span-%' ORDER BY message_id");
        assertThat(rows).containsExactly(List.of("s1", "2025-11-24", 2), List.of("s2", "2025-11-24", 3),
                List.of("s3", "2025-11-24", 2));
        assertThat(DuckDb.count("SELECT count(*) FROM read_parquet('" + hour3 + "')")).isEqualTo(1);
    }

    @Test
    void anUndecodableRecordGoesToTheDeadLetterTopicWithItsReason() throws Exception {
        send(POSITION_TOPIC, "not a batch".getBytes(StandardCharsets.UTF_8));
        send(POSITION_TOPIC, TestBatches.positionBatch(1, 7, List.of(position("trk-after-bad", "p9", T0))));

        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(lake.resolve(
                "positions/event_date=2025-11-23/event_hour=21/position-1-7-7_2025-11-23T21.parquet")));
        List<ConsumerRecord<byte[], byte[]>> letters = DeadLetterTopic.awaitLetters(KAFKA.consumerConfig("dlq-check"), DLQ,
                r -> POSITION_TOPIC.equals(header(r, "__connect.errors.topic")), 1);
        assertThat(letters).singleElement().satisfies(r -> {
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not a batch");
            assertThat(header(r, "__connect.errors.exception.message")).contains("Confluent wire format");
        });
        // The sink's own metrics (JMX): the whole record counted by its reason; files, rows and their latency.
        await().atMost(Duration.ofSeconds(30)).until(() ->
                TaskMetrics.total("lake", "dead-lettered-readings-by-reason-total", "reason", "unreadable-batch") == 1);
        assertThat(TaskMetrics.total("lake", "files-written-total")).isPositive();
        assertThat(TaskMetrics.total("lake", "rows-stored-total")).isPositive();
        assertThat(TaskMetrics.total("lake", "end-to-end-latency-seconds-count")).isPositive();
        assertThat(TaskMetrics.total("lake", "batch-commit-lag-seconds-bucket", "le", "+Inf"))
                .isEqualTo(TaskMetrics.total("lake", "batch-commit-lag-seconds-count"));
    }

    @Test
    void aBadReadingIsDeadLetteredAloneAndEveryOtherReadingOfItsBatchIsWrittenOnceEvenOnReplay() throws Exception {
        List<EnvReading> readings = List.of(env("mix-1", "a1", T0, 20.0), env("mix-2", "a\u00002", T0, 21.0),
                env("mix-3", "a3", T0, 22.0), EnvReading.newBuilder(env("mix-4", "a4", T0, 23.0)).setFirmware("f".repeat(5000)).build(),
                env("mix-5", "a5", T0, 24.0));
        send(ENV_TOPIC, TestBatches.envBatch(1, 1000, readings));
        Path file = lake.resolve("env_readings/event_date=2025-11-23/event_hour=21/env_reading-1-1000-1004_2025-11-23T21.parquet");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(file));

        String rows = "SELECT device_id, message_id FROM " + DuckDb.table(lake, "env_readings") + " WHERE device_id LIKE 'mix-%' ORDER BY 1";
        assertThat(DuckDb.rows(rows)).containsExactly(List.of("mix-1", "a1"), List.of("mix-3", "a3"), List.of("mix-5", "a5"));
        List<ConsumerRecord<byte[], byte[]>> letters = DeadLetterTopic.awaitLetters(KAFKA.consumerConfig("dlq-rows"), DLQ,
                r -> "env_reading-1-1000-1004".equals(header(r, DeadLetterHeaders.BATCH_ID)), 2);
        assertThat(letters).extracting(r -> header(r, DeadLetterHeaders.ROW_POSITION), r -> header(r, DeadLetterHeaders.DEVICE_ID),
                r -> header(r, DeadLetterHeaders.REASON)).containsExactly(tuple("1", "mix-2", "control-character:message_id"),
                tuple("3", "mix-4", "too-long:firmware"));
        assertThat(header(letters.get(0), DeadLetterHeaders.MESSAGE_ID)).isEqualTo("a\u00002");
        assertThat(header(letters.get(1), "__connect.errors.exception.message")).contains("firmware has 5000 characters, more than 64");
        assertThat(new String(letters.get(0).value(), StandardCharsets.UTF_8)).contains("\"device_id\":\"mix-2\"");

        // The same batch again, then a marker behind it on the same partition: once the marker is there, the replay was handled.
        List<String> filesBefore = files(lake);
        send(ENV_TOPIC, TestBatches.envBatch(1, 1000, readings));
        send(ENV_TOPIC, TestBatches.envBatch(1, 1005, List.of(env("mix-marker", "a6", T0, 20.0))));
        Path marker = file.resolveSibling("env_reading-1-1005-1005_2025-11-23T21.parquet");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker));
        assertThat(files(lake)).containsExactlyInAnyOrderElementsOf(Stream.concat(filesBefore.stream(),
                Stream.of(lake.relativize(marker).toString())).toList());
        assertThat(DuckDb.rows(rows)).containsExactly(List.of("mix-1", "a1"), List.of("mix-3", "a3"), List.of("mix-5", "a5"),
                List.of("mix-marker", "a6"));
        // The lake keeps no ledger: a replay dead-letters the same readings again, recognisable by batch id and position.
        assertThat(DeadLetterTopic.awaitLetters(KAFKA.consumerConfig("dlq-rows-replay"), DLQ,
                r -> "env_reading-1-1000-1004".equals(header(r, DeadLetterHeaders.BATCH_ID)), 4))
                .extracting(r -> header(r, DeadLetterHeaders.ROW_POSITION)).containsExactly("1", "3", "1", "3");
    }

    /**
     * The running connector learns of an erasure from the lake itself: a batch with the erased
     * device's readings received before the erasure arrives afterwards (as one still in Kafka would),
     * and only its other readings are written; the task counts what it dropped.
     */
    @Test
    void aBatchArrivingAfterItsDeviceWasErasedIsWrittenWithoutThatDeviceAndTheDropIsCounted() throws Exception {
        try (LakeEraser eraser = LakeEraser.open(connectorConfig(lake, DLQ, KAFKA.registryUrl()))) {
            eraser.erase("erased-it", T0.plusSeconds(3600));
        }
        send(ENV_TOPIC, TestBatches.envBatch(0, 3000, List.of(env("erased-it", "e1", T0, 1.0), env("kept-it", "e2", T0, 2.0),
                env("erased-it", "e3", T0.plusSeconds(5), 3.0))));
        Path file = lake.resolve("env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-3000-3002_2025-11-23T21.parquet");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(file));

        assertThat(DuckDb.rows("SELECT device_id, message_id FROM read_parquet('" + file + "')")).containsExactly(List.of("kept-it", "e2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> TaskMetrics.total("lake", "erased-readings-total") == 2);
        assertThat(DeadLetterTopic.soFar(KAFKA.consumerConfig("dlq-erased"), DLQ))
                .noneMatch(r -> "env_reading-0-3000-3002".equals(header(r, DeadLetterHeaders.BATCH_ID)));
    }

    static List<String> files(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    static <T extends SpecificRecord> void send(String topic, T batch) throws Exception {
        send(topic, TestBatches.wire(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()), topic, batch));
    }

    static void send(String topic, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }
}
