package dev.iotpipeline.connect.warehouse;

import static dev.iotpipeline.connect.common.DeadLetterTopic.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.connect.common.DeadLetterTopic;
import dev.iotpipeline.connect.common.TaskMetrics;
import dev.iotpipeline.embedded.ConnectWorker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.batch.BatchCloseReason;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.testing.KafkaFixture;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
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

/** The connector in a real Connect worker, against the real broker, registry and PostgreSQL. */
class WarehouseSinkIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    static final String ENV_TOPIC = "iot.batch.env_reading";
    static final String POSITION_TOPIC = "iot.batch.position";
    static final String DLQ = "iot.deadletter.warehouse";
    static final Instant T0 = Instant.parse("2025-11-23T21:33:20Z");

    @TempDir
    static Path dir;

    static PostgresServer postgres;
    static ConnectWorker connect;

    @BeforeAll
    static void start() throws SQLException {
        postgres = PostgresServer.start(dir.resolve("pg"), Ports.freePort("127.0.0.1"), dir.resolve("pg.log"));
        try (Connection sql = connection()) {
            OperatorRules.temperatureCheck(sql);
        }
        KAFKA.createTopics(2, ENV_TOPIC, POSITION_TOPIC, DLQ);
        connect = ConnectWorker.start(KAFKA.bootstrapServers(), Ports.freePort("127.0.0.1"), dir.resolve("connect"));
        Map<String, String> config = connectorConfig(postgres.jdbcUrl(), ENV_TOPIC + "," + POSITION_TOPIC, KAFKA.registryUrl());
        connect.putConnector("warehouse", config);
    }

    static Map<String, String> connectorConfig(String jdbcUrl, String topics, String registryUrl) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", WarehouseSinkConnector.class.getName());
        config.put("tasks.max", "2");
        config.put("topics", topics);
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        config.put("connection.url", jdbcUrl);
        config.put("connection.user", PostgresServer.USER);
        config.put("connection.password", PostgresServer.PASSWORD);
        config.put("schema.registry.url", registryUrl);
        config.put("retry.backoff.ms", "300");
        // The readings here are of November 2025 and must stay storable whatever the day the tests run:
        // env readings are kept forever, positions ten years (what is older than that is expired for good).
        config.put("retention.env_readings.days", "0");
        config.put("retention.positions.days", "3650");
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", DLQ);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        return config;
    }

    @AfterAll
    static void stop() {
        if (connect != null) {
            connect.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void loadsTypedRowsAndAReplayedBatchOrARepeatedReadingChangesNothing() throws Exception {
        EnvReading a = env("load-1", "m1", 21.5, null);
        EnvReading b = env("load-1", "m2", null, true);
        send(ENV_TOPIC, envBatch("env_reading-0-0-1", a, b));
        send(POSITION_TOPIC, positionBatch("position-0-0-0", position("trk-load", "ts-1")));
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.env_readings WHERE device_id = 'load-1'") == 2);

        send(ENV_TOPIC, envBatch("env_reading-0-0-1", a, b)); // the same batch again
        send(ENV_TOPIC, envBatch("env_reading-0-2-3", b, env("load-1", "m3", -3.5, false))); // m2 delivered twice
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.loaded_batches "
                + "WHERE batch_id = 'env_reading-0-2-3'") == 1);

        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE device_id = 'load-1'")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM iot.loaded_batches WHERE batch_id = 'env_reading-0-0-1'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM iot.positions WHERE device_id = 'trk-load'")).isEqualTo(1);
        try (Connection sql = connection(); ResultSet row = sql.createStatement().executeQuery(
                "SELECT event_time, temperature_c, humidity_pct, low_battery, sensor_fault, firmware, "
                        + "pg_typeof(event_time)::text FROM iot.env_readings WHERE device_id = 'load-1' AND message_id = 'm1'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getObject(1, java.time.OffsetDateTime.class).toInstant()).isEqualTo(T0);
            assertThat(row.getDouble(2)).isEqualTo(21.5);
            assertThat(row.getDouble(3)).isEqualTo(41.0);
            assertThat(row.getObject(4)).isNull();
            assertThat(row.getBoolean(5)).isFalse();
            assertThat(row.getObject(6)).isNull();
            assertThat(row.getString(7)).isEqualTo("timestamp with time zone");
        }
        try (Connection sql = connection(); ResultSet row = sql.createStatement().executeQuery(
                "SELECT temperature_c, low_battery FROM iot.env_readings WHERE device_id = 'load-1' AND message_id = 'm2'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getObject(1)).isNull();
            assertThat(row.getBoolean(2)).isTrue();
        }
    }

    @Test
    void aRestartedDatabaseLosesAndDoublesNothing() throws Exception {
        int batches = 30;
        for (int i = 0; i < batches; i++) {
            List<EnvReading> readings = new ArrayList<>();
            for (int r = 0; r < 20; r++) {
                readings.add(env("restart-" + (r % 4), "b" + i + "r" + r, 20.0 + r, false));
            }
            send(ENV_TOPIC, envBatch("env_reading-1-" + i * 20 + "-" + (i * 20 + 19), readings.toArray(EnvReading[]::new)));
            if (i == batches / 3) {
                postgres = PostgresServer.restart(postgres, dir.resolve("pg"), dir.resolve("pg.log"));
            }
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> safeCount(
                "SELECT count(*) FROM iot.env_readings WHERE device_id LIKE 'restart-%'") == batches * 20L);

        assertThat(count("SELECT count(*) FROM iot.loaded_batches WHERE batch_id LIKE 'env_reading-1-%'")).isEqualTo(batches);
        assertThat(count("SELECT count(DISTINCT (device_id, message_id)) FROM iot.env_readings WHERE device_id LIKE 'restart-%'"))
                .isEqualTo(batches * 20L);
    }

    @Test
    void aNewNullableFieldBecomesANewColumn() throws Exception {
        Schema evolvedReading = SchemaBuilder.record("EnvReading").namespace("dev.iotpipeline.schemas.canonical").fields()
                .name("device_id").type().stringType().noDefault()
                .name("event_time").type(timestamp()).noDefault()
                .name("ingest_time").type(timestamp()).noDefault()
                .name("source_format").type().stringType().noDefault()
                .name("firmware").type().optional().stringType()
                .name("temperature_c").type().optional().doubleType()
                .name("humidity_pct").type().optional().doubleType()
                .name("battery_pct").type().optional().doubleType()
                .name("battery_v").type().optional().doubleType()
                .name("sensor_fault").type().booleanType().noDefault()
                .name("low_battery").type().optional().booleanType()
                .name("message_id").type().stringType().noDefault()
                .name("pressure_hpa").type().optional().doubleType()
                .endRecord();
        Schema evolvedBatch = SchemaBuilder.record("EnvReadingBatch").namespace("dev.iotpipeline.schemas.batch").fields()
                .name("info").type(BatchInfo.getClassSchema()).noDefault()
                .name("records").type().array().items(evolvedReading).noDefault()
                .endRecord();
        GenericRecord reading = new GenericData.Record(evolvedReading);
        reading.put("device_id", "evolve-1");
        reading.put("event_time", T0);
        reading.put("ingest_time", T0);
        reading.put("source_format", "env-sensor/v4");
        reading.put("sensor_fault", false);
        reading.put("message_id", "e1");
        reading.put("pressure_hpa", 1013.25);
        GenericRecord batch = new GenericData.Record(evolvedBatch);
        batch.put("info", info("env_reading-1-900-900", "env_reading", 1));
        batch.put("records", List.of(reading));
        int id = RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()).register(ENV_TOPIC + "-value", evolvedBatch);
        send(ENV_TOPIC, wire(id, evolvedBatch, batch));

        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.env_readings WHERE device_id = 'evolve-1'") == 1);
        try (Connection sql = connection(); ResultSet row = sql.createStatement().executeQuery(
                "SELECT pressure_hpa FROM iot.env_readings WHERE device_id = 'evolve-1'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getDouble(1)).isEqualTo(1013.25);
        }
    }

    @Test
    void aLateReadingOlderThanTheRetentionIsDeadLetteredAsExpiredItsBatchMatesLoad() throws Exception {
        Position old = Position.newBuilder(position("trk-old", "ts-old")).setEventTime(Instant.parse("2015-06-01T00:00:00Z")).build();
        send(POSITION_TOPIC, positionBatch("position-1-7-8", old, position("trk-fresh", "ts-fresh")));

        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.positions WHERE device_id = 'trk-fresh'") == 1);
        List<ConsumerRecord<byte[], byte[]>> letters = DeadLetterTopic.awaitLetters(KAFKA.consumerConfig("dlq-expired"), DLQ,
                r -> "position-1-7-8".equals(header(r, DeadLetterHeaders.BATCH_ID)), 1);
        assertThat(letters).singleElement().satisfies(r -> {
            assertThat(header(r, DeadLetterHeaders.REASON)).isEqualTo("expired");
            assertThat(header(r, DeadLetterHeaders.DEVICE_ID)).isEqualTo("trk-old");
            assertThat(header(r, DeadLetterHeaders.MESSAGE)).contains("iot.positions keeps 3650 days, in whole months");
        });
        assertThat(count("SELECT count(*) FROM iot.positions WHERE device_id = 'trk-old'")).isZero();
        // The sink's own metrics (JMX): the reason counted, stored rows and their latency from the bridge.
        assertThat(TaskMetrics.total("warehouse", "dead-lettered-readings-by-reason-total", "reason", "expired")).isEqualTo(1);
        assertThat(TaskMetrics.total("warehouse", "rows-stored-total")).isPositive();
        assertThat(TaskMetrics.total("warehouse", "batches-total")).isPositive();
        long latencies = TaskMetrics.total("warehouse", "end-to-end-latency-seconds-count");
        assertThat(latencies).isPositive();
        // The readings carry ingest times of November 2025: every one of them is past the last bound of a day.
        assertThat(TaskMetrics.total("warehouse", "end-to-end-latency-seconds-bucket", "le", "+Inf")).isEqualTo(latencies);
        assertThat(TaskMetrics.total("warehouse", "end-to-end-latency-seconds-bucket", "le", "86400")).isZero();
    }

    @Test
    void anUndecodableRecordGoesToTheDeadLetterTopicWithItsReason() throws Exception {
        send(POSITION_TOPIC, "not a batch".getBytes(StandardCharsets.UTF_8));
        send(POSITION_TOPIC, positionBatch("position-1-5-5", position("trk-after-bad", "ts-2")));

        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.positions WHERE device_id = 'trk-after-bad'") == 1);
        List<ConsumerRecord<byte[], byte[]>> letters = DeadLetterTopic.awaitLetters(KAFKA.consumerConfig("dlq-check"), DLQ,
                r -> POSITION_TOPIC.equals(header(r, "__connect.errors.topic")), 1);
        assertThat(letters).singleElement().satisfies(r -> {
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not a batch");
            assertThat(header(r, "__connect.errors.exception.message")).contains("Confluent wire format");
        });
    }

    @Test
    void badReadingsAreDeadLetteredAloneEveryOtherReadingOfTheBatchIsLoadedOnceAndAReplayChangesNothing() throws Exception {
        EnvReading[] readings = {env("mixw-1", "w1", 20.0, null), env("mixw-2", "w\u00002", 21.0, null), env("mixw-3", "w3", 22.0, null),
            env("mixw-4", "w4", 900.0, null), env("mixw-5", "w5", 24.0, null)};
        send(ENV_TOPIC, envBatch("env_reading-1-2000-2004", readings));
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.loaded_batches "
                + "WHERE batch_id = 'env_reading-1-2000-2004'") == 1);

        assertThat(strings("SELECT device_id || '/' || message_id FROM iot.env_readings WHERE device_id LIKE 'mixw-%' ORDER BY 1"))
                .containsExactly("mixw-1/w1", "mixw-3/w3", "mixw-5/w5");
        assertThat(strings("SELECT record_count || '/' || rows_inserted || '/' || rows_refused FROM iot.loaded_batches "
                + "WHERE batch_id = 'env_reading-1-2000-2004'")).containsExactly("5/3/2");
        List<ConsumerRecord<byte[], byte[]>> letters = DeadLetterTopic.awaitLetters(KAFKA.consumerConfig("dlq-rows"), DLQ,
                r -> "env_reading-1-2000-2004".equals(header(r, DeadLetterHeaders.BATCH_ID)), 2);
        assertThat(letters).extracting(r -> header(r, DeadLetterHeaders.ROW_POSITION), r -> header(r, DeadLetterHeaders.DEVICE_ID),
                r -> header(r, DeadLetterHeaders.MESSAGE_ID), r -> header(r, DeadLetterHeaders.REASON)).containsExactly(
                tuple("1", "mixw-2", "w\u00002", "control-character:message_id"), tuple("3", "mixw-4", "w4", "database:23514"));
        assertThat(header(letters.get(1), DeadLetterHeaders.MESSAGE)).contains("temperature_physical");
        assertThat(new String(letters.get(1).value(), StandardCharsets.UTF_8)).contains("\"temperature_c\":{\"double\":900.0}");

        // The same batch again, then a marker behind it: once the marker is loaded, the replay was handled.
        send(ENV_TOPIC, envBatch("env_reading-1-2000-2004", readings));
        send(ENV_TOPIC, envBatch("env_reading-1-2005-2005", env("mixw-marker", "w6", 20.0, null)));
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM iot.loaded_batches "
                + "WHERE batch_id = 'env_reading-1-2005-2005'") == 1);
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE device_id LIKE 'mixw-%'")).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM iot.loaded_batches WHERE batch_id = 'env_reading-1-2000-2004'")).isEqualTo(1);
        // The replay found the batch in the ledger: no reading dead-lettered twice (put() returns only after its dead letters).
        assertThat(DeadLetterTopic.soFar(KAFKA.consumerConfig("dlq-so-far"), DLQ))
                .filteredOn(r -> "env_reading-1-2000-2004".equals(header(r, DeadLetterHeaders.BATCH_ID)))
                .hasSize(2);
    }

    private static List<String> strings(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection sql = connection(); ResultSet rows = sql.createStatement().executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private static Schema timestamp() {
        return org.apache.avro.LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
    }

    private static byte[] wire(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.TimestampMillisConversion());
        new GenericDatumWriter<GenericRecord>(schema, data).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static EnvReading env(String device, String messageId, Double temperature, Boolean lowBattery) {
        return EnvReading.newBuilder().setDeviceId(device).setEventTime(T0).setIngestTime(T0.plusSeconds(1))
                .setSourceFormat("env-sensor/v2").setFirmware(null).setTemperatureC(temperature).setHumidityPct(41.0)
                .setBatteryPct(null).setBatteryV(null).setSensorFault(false).setLowBattery(lowBattery)
                .setMessageId(messageId).build();
    }

    private static Position position(String device, String messageId) {
        return Position.newBuilder().setDeviceId(device).setEventTime(T0).setIngestTime(T0).setSourceFormat("gps-tracker/v2")
                .setLatitude(35.68).setLongitude(139.76).setSpeedMps(null).setHeadingDeg(null).setAccuracyM(null)
                .setMessageId(messageId).build();
    }

    private static BatchInfo info(String id, String family, int count) {
        String[] parts = id.split("-");
        return BatchInfo.newBuilder().setBatchId(id).setFamily(family).setSourceTopic("iot.canonical." + family)
                .setSourcePartition(Integer.parseInt(parts[1])).setSequence(0).setFirstOffset(Long.parseLong(parts[2]))
                .setLastOffset(Long.parseLong(parts[3])).setRecordCount(count).setMinEventTime(T0).setMaxEventTime(T0)
                .setOpenedTime(T0).setClosedTime(T0).setCloseReason(BatchCloseReason.MAX_RECORDS).build();
    }

    private static EnvReadingBatch envBatch(String id, EnvReading... readings) {
        return new EnvReadingBatch(info(id, "env_reading", readings.length), List.of(readings));
    }

    private static PositionBatch positionBatch(String id, Position... positions) {
        return new PositionBatch(info(id, "position", positions.length), List.of(positions));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> void send(String topic, T batch) throws Exception {
        var serializer = new ConfluentAvroSerializer<T>(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()));
        send(topic, serializer.serialize(topic, batch));
    }

    private static void send(String topic, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), "iot", "iot");
    }

    private static long count(String query) throws SQLException {
        try (Connection sql = connection(); ResultSet rows = sql.createStatement().executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static long safeCount(String query) {
        try {
            return count(query);
        } catch (SQLException e) {
            return -1;
        }
    }
}
