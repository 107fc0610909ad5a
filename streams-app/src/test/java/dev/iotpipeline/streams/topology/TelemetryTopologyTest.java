package dev.iotpipeline.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iotpipeline.registry.client.CompatibilityResult;
import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.client.RegisteredSchema;
import dev.iotpipeline.registry.client.RegistryUnavailableException;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.batch.BatchCloseReason;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.compat.CompatibilityMode;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.batch.Family;
import dev.iotpipeline.streams.batch.OpenBatch;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.env.EnvSensorV1JsonConverter;
import dev.iotpipeline.streams.deadletter.DeadLetterExceptionHandler;
import dev.iotpipeline.streams.dedup.DeduplicationProcessor;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.outage.RegistryOutage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryTopologyTest {

    private static final Instant START = Instant.parse("2025-11-23T21:33:21Z");

    @TempDir
    Path stateDir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final FlakyRegistry flakyRegistry = new FlakyRegistry(registry);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> envRaw;
    private TestInputTopic<byte[], byte[]> gpsRaw;
    private TestOutputTopic<String, EnvReading> envCanonical;
    private TestOutputTopic<String, Position> positions;
    private TestOutputTopic<String, EnvReadingBatch> envBatches;
    private TestOutputTopic<String, PositionBatch> positionBatches;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    private void start(BatchPolicy policy) {
        start(policy, ConverterRegistry.builtIn());
    }

    private void start(BatchPolicy policy, List<FormatConverter> converters) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        StreamsMetrics metrics = new StreamsMetrics(meters);
        props.putAll(DeadLetterExceptionHandler.properties(Topics.DEAD_LETTER, metrics));
        driver = new TopologyTestDriver(TelemetryTopology.build(TopologySettings.defaults(), flakyRegistry, policy,
                new ConverterRegistry(converters), metrics), props, START);
        envRaw = driver.createInputTopic(Topics.RAW_ENV_SENSOR, new ByteArraySerializer(), new ByteArraySerializer());
        gpsRaw = driver.createInputTopic(Topics.RAW_GPS_TRACKER, new ByteArraySerializer(), new ByteArraySerializer());
        envCanonical = driver.createOutputTopic(MeasurementFamily.ENV_READING.canonicalTopic(), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, EnvReading.class));
        positions = driver.createOutputTopic(MeasurementFamily.POSITION.canonicalTopic(), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, Position.class));
        envBatches = driver.createOutputTopic(MeasurementFamily.ENV_READING.batchTopic(), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, EnvReadingBatch.class));
        positionBatches = driver.createOutputTopic(MeasurementFamily.POSITION.batchTopic(), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, PositionBatch.class));
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void convertsEveryFormatToItsCanonicalTopicKeyedByDevice() {
        start(new BatchPolicy(100, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMinutes(1)));

        envRaw.pipeInput(raw("env-0001", "env-sensor", "v1", "{\"id\":\"env-0001\",\"ts\":1763933600,\"t\":-35,\"h\":41}"));
        gpsRaw.pipeInput(raw("trk-0017", "gps-tracker", "v1", "trk-0017,1763933600,35.681236,139.767125,12.6"));

        var env = envCanonical.readRecord();
        assertThat(env.key()).isEqualTo("env-0001");
        assertThat(env.value().getTemperatureC()).isEqualTo(-3.5);
        assertThat(env.value().getIngestTime()).isEqualTo(START);
        var position = positions.readRecord();
        assertThat(position.key()).isEqualTo("trk-0017");
        assertThat(position.value().getSpeedMps()).isEqualTo(3.5);
        assertTrue(envCanonical.isEmpty());
        assertTrue(positions.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void deadLettersKeepTheOriginalBytesAndHeadersAndSayWhyWhereAndWhen() {
        start(BatchPolicy.defaults());
        byte[] bad = {3, 0, 1, 2};

        envRaw.pipeInput(raw("env-0001", "env-sensor", "v3", bad));
        envRaw.pipeInput(raw("env-0001", "env-sensor", "v9", "{}".getBytes(StandardCharsets.UTF_8)));
        envRaw.pipeInput(new TestRecord<>("env-0001".getBytes(StandardCharsets.UTF_8), bad, new RecordHeaders(), START));

        var badLength = deadLetters.readRecord();
        assertThat(badLength.value()).isEqualTo(bad);
        assertThat(badLength.key()).isEqualTo("env-0001".getBytes(StandardCharsets.UTF_8));
        assertThat(header(badLength.headers(), TelemetryHeaders.DEVICE_ID)).isEqualTo("env-0001");
        assertThat(header(badLength.headers(), DeadLetterHeaders.REASON)).isEqualTo("bad-length");
        assertThat(header(badLength.headers(), DeadLetterHeaders.MESSAGE)).contains("16 bytes");
        assertThat(header(badLength.headers(), DeadLetterHeaders.STAGE)).isEqualTo("convert");
        assertThat(header(badLength.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.RAW_ENV_SENSOR);
        assertThat(header(badLength.headers(), DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(badLength.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(header(badLength.headers(), DeadLetterHeaders.SOURCE_FORMAT)).isEqualTo("env-sensor/v3");
        assertThat(header(badLength.headers(), DeadLetterHeaders.TIME)).isEqualTo(Long.toString(START.toEpochMilli()));
        assertThat(header(deadLetters.readRecord().headers(), DeadLetterHeaders.REASON)).isEqualTo("unknown-format");
        var noHeaders = deadLetters.readRecord();
        assertThat(header(noHeaders.headers(), DeadLetterHeaders.REASON)).isEqualTo("missing-header:iot.device.id");
        assertThat(header(noHeaders.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("2");

        assertThat(meters.get("iot.streams.deadletters").tag("reason", "bad-length").counter().count()).isEqualTo(1);
        assertTrue(deadLetters.isEmpty());
        assertTrue(envCanonical.isEmpty());
    }

    @Test
    void aReadingSeenWithinTheWindowIsDroppedAndCountedAndTheStoreRemembersIt() {
        start(BatchPolicy.defaults());
        String v2 = "{\"device\":{\"id\":\"env-0001\"},\"time\":\"2025-11-23T21:33:20Z\","
                + "\"readings\":{\"temperature\":{\"value\":20,\"unit\":\"C\"},\"humidity\":0.5},\"msgId\":\"m-1\"}";

        envRaw.pipeInput(raw("env-0001", "env-sensor", "v2", v2, START));
        envRaw.pipeInput(raw("env-0001", "env-sensor", "v2", v2, START.plusSeconds(30)));
        envRaw.pipeInput(raw("env-0002", "env-sensor", "v2", v2.replace("env-0001", "env-0002"), START.plusSeconds(31)));

        assertThat(envCanonical.readValuesToList()).extracting(EnvReading::getDeviceId).containsExactly("env-0001", "env-0002");
        WindowStore<String, Long> seen = driver.getWindowStore(DeduplicationProcessor.STORE);
        try (var entries = seen.fetch("env-0001\u0000m-1", 0, Long.MAX_VALUE)) {
            assertThat(entries).toIterable().hasSize(1);
        }
        assertThat(meters.get("iot.streams.duplicates").counter().count()).isEqualTo(1);

        // Past the 24 h window (by record time) the id is forgotten and the reading is new again.
        envRaw.pipeInput(raw("env-0001", "env-sensor", "v2", v2, START.plus(Duration.ofHours(25))));
        assertThat(envCanonical.readValuesToList()).hasSize(1);
        assertTrue(envCanonical.isEmpty());
    }

    @Test
    void aBatchClosesAtMaxRecordsWithItsDeterministicIdAndTheBufferEmpties() {
        start(new BatchPolicy(3, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMinutes(1)));

        for (int i = 0; i < 7; i++) {
            envRaw.pipeInput(envV1("env-0001", 1763933600L + i * 3600L));
        }

        List<EnvReadingBatch> batches = envBatches.readValuesToList();
        assertThat(batches).hasSize(2);
        BatchInfo first = batches.get(0).getInfo();
        assertThat(first.getBatchId()).isEqualTo("env_reading-0-0-2");
        assertThat(first.getSequence()).isZero();
        assertThat(first.getRecordCount()).isEqualTo(3);
        assertThat(first.getCloseReason()).isEqualTo(BatchCloseReason.MAX_RECORDS);
        assertThat(first.getSourceTopic()).isEqualTo(MeasurementFamily.ENV_READING.canonicalTopic());
        assertThat(first.getMinEventTime()).isEqualTo(Instant.ofEpochSecond(1763933600L));
        assertThat(first.getMaxEventTime()).isEqualTo(Instant.ofEpochSecond(1763933600L + 2 * 3600));
        assertThat(batches.get(0).getRecords()).extracting(EnvReading::getEventTime)
                .containsExactly(Instant.ofEpochSecond(1763933600L), Instant.ofEpochSecond(1763937200L),
                        Instant.ofEpochSecond(1763940800L));
        assertThat(batches.get(1).getInfo().getBatchId()).isEqualTo("env_reading-0-3-5");
        assertThat(batches.get(1).getInfo().getSequence()).isEqualTo(1);

        KeyValueStore<Integer, OpenBatch> state = driver.getKeyValueStore(Family.ENV_READING.stateStoreName());
        assertThat(state.get(0).count()).isEqualTo(1);
        assertThat(state.get(0).firstOffset()).isEqualTo(6);
        assertThat(state.get(0).lastOffset()).isEqualTo(6);
        assertThat(state.get(0).nextSequence()).isEqualTo(2);
        envCanonical.readValuesToList();
        assertTrue(envBatches.isEmpty());
        assertTrue(envCanonical.isEmpty());
    }

    @Test
    void aBatchClosesBeforeItWouldExceedMaxBytes() {
        start(new BatchPolicy(1000, 1024, Duration.ofMinutes(1)));

        for (int i = 0; i < 40; i++) {
            envRaw.pipeInput(envV1("env-0001", 1763933600L + i));
        }

        List<EnvReadingBatch> batches = envBatches.readValuesToList();
        assertThat(batches).isNotEmpty().allSatisfy(batch -> {
            assertThat(batch.getInfo().getCloseReason()).isEqualTo(BatchCloseReason.MAX_BYTES);
            assertThat(batch.getRecords().size()).isLessThan(40);
        });
        long batched = batches.stream().mapToLong(b -> b.getInfo().getRecordCount()).sum();
        KeyValueStore<Integer, OpenBatch> state = driver.getKeyValueStore(Family.ENV_READING.stateStoreName());
        assertThat(batched + state.get(0).count()).isEqualTo(40);
        for (EnvReadingBatch batch : batches) {
            long bytes = batch.getRecords().stream().mapToLong(r -> serializedSize(r)).sum();
            assertThat(bytes).isLessThanOrEqualTo(1024);
        }
        envCanonical.readValuesToList();
        assertTrue(envBatches.isEmpty());
    }

    @Test
    void aQuietFleetStillFlushesWhenTheWallClockPassesMaxAge() {
        start(new BatchPolicy(1000, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(10)));

        envRaw.pipeInput(envV1("env-0001", 1763933600L));
        gpsRaw.pipeInput(raw("trk-0017", "gps-tracker", "v1", "trk-0017,1763933600,35.681236,139.767125,12.6"));
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertTrue(envBatches.isEmpty());

        driver.advanceWallClockTime(Duration.ofSeconds(6));

        EnvReadingBatch env = envBatches.readValue();
        assertThat(env.getInfo().getCloseReason()).isEqualTo(BatchCloseReason.MAX_AGE);
        assertThat(env.getInfo().getRecordCount()).isEqualTo(1);
        assertThat(env.getInfo().getClosedTime().toEpochMilli() - env.getInfo().getOpenedTime().toEpochMilli())
                .isGreaterThanOrEqualTo(10_000);
        assertThat(positionBatches.readValue().getInfo().getBatchId()).isEqualTo("position-0-0-0");
        // Nothing open: more wall-clock time emits nothing.
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        envCanonical.readValuesToList();
        positions.readValuesToList();
        assertTrue(envBatches.isEmpty());
        assertTrue(positionBatches.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void theBatchSizeLimitFollowsTheBatchTopicMessageLimit() {
        BatchPolicy policy = BatchPolicy.defaults().forTopicLimit(1024 * 1024);
        assertThat(policy.maxBytes()).isLessThan(1024 * 1024).isGreaterThan(1000 * 1024);
        assertThat(BatchPolicy.defaults().forTopicLimit(64L * 1024 * 1024)).isEqualTo(BatchPolicy.defaults());
    }

    @Test
    void oneReadingWithATimeBeyondInstantIsDeadLetteredAndTheFleetKeepsFlowing() {
        start(new BatchPolicy(2, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMinutes(1)));
        String hostile = "{\"id\":\"env-0002\",\"ts\":9223372036854775807,\"t\":215,\"h\":41}";

        envRaw.pipeInput(envV1("env-0001", 1763933600));
        envRaw.pipeInput(raw("env-0002", "env-sensor", "v1", hostile));
        envRaw.pipeInput(envV1("env-0003", 1763933600));

        assertThat(envCanonical.readValuesToList()).extracting(EnvReading::getDeviceId).containsExactly("env-0001", "env-0003");
        var deadLetter = deadLetters.readRecord();
        assertThat(new String(deadLetter.value(), StandardCharsets.UTF_8)).isEqualTo(hostile);
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.REASON)).isEqualTo("out-of-range:event_time");
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.STAGE)).isEqualTo("convert");
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(envBatches.readValue().getRecords()).extracting(EnvReading::getDeviceId).containsExactly("env-0001", "env-0003");
        assertTrue(deadLetters.isEmpty());
        assertTrue(envCanonical.isEmpty());
        assertTrue(envBatches.isEmpty());
    }

    @Test
    void hostileRecordsOfEveryClassAreDeadLetteredWithTheirReasonWhileTheGoodOnesAroundThemFlow() {
        start(BatchPolicy.defaults());
        String v2 = "{\"device\":{\"id\":\"env-0001\"%s},\"time\":\"%s\",\"readings\":{\"temperature\":"
                + "{\"value\":%s,\"unit\":\"%s\"},\"humidity\":0.5}%s}";
        List<TestRecord<byte[], byte[]>> hostile = List.of(
                raw("env-0001", "env-sensor", "v2", v2.formatted("", "-999999999-01-01T00:00:00Z", "20", "C", "")),
                raw("env-0001", "env-sensor", "v2", v2.formatted("", "2025-11-23T21:33:20Z", "1e999999999", "F", "")),
                raw("env-0001", "env-sensor", "v2", v2.formatted("", "2025-11-23T21:33:20Z", "20", "C", ",\"msgId\":\"a\\u0000b\"")),
                raw("env-0001", "env-sensor", "v2", v2.formatted(",\"fw\":\"" + "9".repeat(3000) + "\"", "2025-11-23T21:33:20Z",
                        "20", "C", "")),
                raw("env-0001", "env-sensor", "v1", "{\"id\":\"env-0001\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}"),
                raw("trk-0017", "gps-tracker", "v1", "trk-0017,1763933600,35.681236,139.767125,1e999999999"),
                raw("env\u00000001", "env-sensor", "v1", "{\"id\":\"env\\u00000001\",\"ts\":1763933600,\"t\":1,\"h\":1}"));
        List<String> reasons = List.of("out-of-range:event_time", "out-of-range:temperature_c", "invalid-field:msgId",
                "invalid-field:device.fw", "malformed-json", "out-of-range:speed_mps", "invalid-header:iot.device.id");

        for (int i = 0; i < hostile.size(); i++) {
            envRaw.pipeInput(envV1("env-01" + i, 1763933600 + i));
            (hostile.get(i).value()[0] == 't' ? gpsRaw : envRaw).pipeInput(hostile.get(i));
        }
        envRaw.pipeInput(envV1("env-0999", 1763933600));

        assertThat(envCanonical.readValuesToList()).hasSize(hostile.size() + 1);
        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertThat(letters).extracting(r -> header(r.headers(), DeadLetterHeaders.REASON)).containsExactlyElementsOf(reasons);
        assertThat(letters).extracting(r -> header(r.headers(), DeadLetterHeaders.STAGE)).containsOnly("convert");
        assertThat(letters).extracting(TestRecord::value).containsExactlyElementsOf(hostile.stream().map(TestRecord::value).toList());
        assertTrue(deadLetters.isEmpty());
        assertTrue(positions.isEmpty());
    }

    @Test
    void aConverterThatThrowsIsAConversionErrorAndAFailureNoProcessorExpectedIsCaughtByTheBackstop() {
        start(BatchPolicy.defaults(), List.of(new EnvSensorV1JsonConverter(),
                new TestConverter("v8", reading -> {
                    throw new IllegalStateException("converter bug");
                }),
                new TestConverter("v9", reading -> BatchInfo.newBuilder().setBatchId("x").setFamily("x").setSourceTopic("x")
                        .setSourcePartition(0).setSequence(0).setFirstOffset(0).setLastOffset(0).setRecordCount(0)
                        .setMinEventTime(START).setMaxEventTime(START).setOpenedTime(START).setClosedTime(START)
                        .setCloseReason(BatchCloseReason.MAX_AGE).build())));

        envRaw.pipeInput(raw("env-0001", "env-sensor", "v8", "{}"));
        envRaw.pipeInput(raw("env-0001", "env-sensor", "v9", "{}"));
        envRaw.pipeInput(envV1("env-0001", 1763933600));

        var conversionError = deadLetters.readRecord();
        assertThat(header(conversionError.headers(), DeadLetterHeaders.REASON)).isEqualTo("conversion-error");
        assertThat(header(conversionError.headers(), DeadLetterHeaders.MESSAGE)).contains("converter bug");
        var backstop = deadLetters.readRecord();
        assertThat(header(backstop.headers(), DeadLetterHeaders.REASON)).isEqualTo("processing-error");
        assertThat(header(backstop.headers(), DeadLetterHeaders.STAGE)).isEqualTo("dedup");
        assertThat(header(backstop.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(header(backstop.headers(), TelemetryHeaders.FORMAT_VERSION)).isEqualTo("v9");
        assertThat(backstop.value()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
        assertThat(meters.get("iot.streams.deadletters").tag("reason", "processing-error").tag("stage", "dedup")
                .counter().count()).isEqualTo(1);
        assertThat(envCanonical.readValuesToList()).hasSize(1);
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void anUnreachableRegistryFailsProcessingInsteadOfDeadLetteringGoodReadings() {
        start(BatchPolicy.defaults());
        flakyRegistry.down = true;

        assertThatThrownBy(() -> envRaw.pipeInput(envV1("env-0001", 1763933600)))
                .satisfies(e -> assertThat(RegistryOutage.isCauseOf(e)).as("caused by the outage: " + e).isTrue());

        assertTrue(deadLetters.isEmpty());
    }

    /** Delegates to the in-memory registry, or fails schema lookups by id as an unreachable one does. */
    private static final class FlakyRegistry implements SchemaRegistryClient {
        private final SchemaRegistryClient delegate;
        volatile boolean down;

        FlakyRegistry(SchemaRegistryClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public int register(String subject, Schema schema) {
            return delegate.register(subject, schema);
        }

        @Override
        public RegisteredSchema lookup(String subject, Schema schema) {
            return delegate.lookup(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            if (down) {
                throw new RegistryUnavailableException("http://127.0.0.1:1", "Connection refused", null);
            }
            return delegate.schemaById(id);
        }

        @Override
        public RegisteredSchema latest(String subject) {
            return delegate.latest(subject);
        }

        @Override
        public CompatibilityResult testCompatibility(String subject, Schema schema) {
            return delegate.testCompatibility(subject, schema);
        }

        @Override
        public CompatibilityMode compatibility(String subject) {
            return delegate.compatibility(subject);
        }

        @Override
        public void setCompatibility(String subject, CompatibilityMode mode) {
            delegate.setCompatibility(subject, mode);
        }

        @Override
        public void setGlobalCompatibility(CompatibilityMode mode) {
            delegate.setGlobalCompatibility(mode);
        }

        @Override
        public List<String> subjects() {
            return delegate.subjects();
        }
    }

    /** An env-sensor format version whose conversion is given. */
    private record TestConverter(String version, Function<RawReading, SpecificRecord> conversion) implements FormatConverter {
        @Override
        public String deviceType() {
            return "env-sensor";
        }

        @Override
        public SpecificRecord convert(RawReading reading) {
            return conversion.apply(reading);
        }
    }

    private long serializedSize(EnvReading reading) {
        return new ConfluentAvroSerializer<EnvReading>(registry)
                .serialize(MeasurementFamily.ENV_READING.canonicalTopic(), reading).length - 5;
    }

    private static TestRecord<byte[], byte[]> envV1(String device, long epochSeconds) {
        return raw(device, "env-sensor", "v1", "{\"id\":\"" + device + "\",\"ts\":" + epochSeconds + ",\"t\":215,\"h\":41}");
    }

    private static TestRecord<byte[], byte[]> raw(String device, String type, String version, String payload) {
        return raw(device, type, version, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static TestRecord<byte[], byte[]> raw(String device, String type, String version, String payload, Instant at) {
        TestRecord<byte[], byte[]> record = raw(device, type, version, payload.getBytes(StandardCharsets.UTF_8));
        return new TestRecord<>(record.key(), record.value(), record.headers(), at);
    }

    private static TestRecord<byte[], byte[]> raw(String device, String type, String version, byte[] payload) {
        Headers headers = new RecordHeaders()
                .add(TelemetryHeaders.DEVICE_ID, device.getBytes(StandardCharsets.UTF_8))
                .add(TelemetryHeaders.DEVICE_TYPE, type.getBytes(StandardCharsets.UTF_8))
                .add(TelemetryHeaders.FORMAT_VERSION, version.getBytes(StandardCharsets.UTF_8))
                .add(TelemetryHeaders.RECEIVE_TIME, Long.toString(START.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
        return new TestRecord<>(device.getBytes(StandardCharsets.UTF_8), payload, headers, START);
    }

    private static String header(Headers headers, String key) {
        var header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
