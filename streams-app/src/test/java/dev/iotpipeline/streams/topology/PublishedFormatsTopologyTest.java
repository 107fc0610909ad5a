package dev.iotpipeline.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.FormatHeaders;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.deadletter.DeadLetterExceptionHandler;
import dev.iotpipeline.streams.formats.FormatCatalog;
import dev.iotpipeline.streams.formats.FormatTopicProcessor;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A format version goes live, changes, and is withdrawn on a running topology, through the
 * formats topic: the README's "Publishing a descriptor to a running pipeline", with the v4 of the
 * walkthrough ({@code src/test/resources/descriptors/env-sensor-v4.yaml}) and its samples.
 */
class PublishedFormatsTopologyTest {

    private static final Instant START = Instant.parse("2025-11-23T21:33:21Z");
    private static final String V4 = "env-sensor/v4";
    private static final String V4_YAML = text("/descriptors/env-sensor-v4.yaml");
    private static final byte[] NORMAL = bytes("/descriptors/env-sensor/v4/normal.bin");
    private static final byte[] SENSOR_FAULT = bytes("/descriptors/env-sensor/v4/sensor-fault.bin");

    @TempDir
    Path stateDir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FormatCatalog catalog = new FormatCatalog(new ConverterRegistry(ConverterRegistry.builtIn()));
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> formats;
    private TestInputTopic<byte[], byte[]> envRaw;
    private TestOutputTopic<String, EnvReading> envCanonical;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "published-formats-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        StreamsMetrics metrics = new StreamsMetrics(meters);
        props.putAll(DeadLetterExceptionHandler.properties(Topics.DEAD_LETTER, metrics));
        driver = new TopologyTestDriver(TelemetryTopology.build(TopologySettings.defaults(), registry, BatchPolicy.defaults(),
                catalog, metrics), props, START);
        formats = driver.createInputTopic(Topics.FORMATS, new StringSerializer(), new ByteArraySerializer());
        envRaw = driver.createInputTopic(Topics.RAW_ENV_SENSOR, new ByteArraySerializer(), new ByteArraySerializer());
        envCanonical = driver.createOutputTopic(MeasurementFamily.ENV_READING.canonicalTopic(), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, EnvReading.class));
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void aReadingOfAnUnknownVersionIsDeadLetteredAndTheNextOneAfterItsDescriptorIsPublishedConverts() {
        envRaw.pipeInput(v4Reading(NORMAL, START));
        assertThat(header(deadLetters.readRecord().headers(), DeadLetterHeaders.REASON)).isEqualTo("unknown-format");

        formats.pipeInput(publication(V4, V4_YAML, 1, START.plusSeconds(1)));
        envRaw.pipeInput(v4Reading(NORMAL, START.plusSeconds(2)));

        EnvReading reading = envCanonical.readValue();
        assertThat(reading.getSourceFormat()).isEqualTo(V4);
        assertThat(reading.getTemperatureC()).isEqualTo(21.5);
        assertThat(reading.getMessageId()).isEqualTo("v4-4711");
        assertThat(formatsStore().get(V4)).isEqualTo(V4_YAML.getBytes(StandardCharsets.UTF_8));
        assertThat(inForceRevision(V4)).isEqualTo("1");
        assertTrue(envCanonical.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aReplacementRevisionChangesConversionFromTheNextReading() {
        formats.pipeInput(publication(V4, V4_YAML, 1, START));
        envRaw.pipeInput(v4Reading(NORMAL, START.plusSeconds(1)));
        formats.pipeInput(publication(V4, V4_YAML.replace("\"v4-{seq}\"", "\"fw4-{seq}-{time}\""), 2, START.plusSeconds(2)));
        envRaw.pipeInput(v4Reading(NORMAL, START.plusSeconds(3)));

        assertThat(envCanonical.readValuesToList()).extracting(EnvReading::getMessageId)
                .containsExactly("v4-4711", "fw4-4711-1763933600250");
        assertThat(inForceRevision(V4)).isEqualTo("2");
        assertThat(catalog.inForce(V4).orElseThrow().publishedBy()).contains("data-engineer");
        assertTrue(envCanonical.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aTombstoneWithdrawsThePublishedDescriptor() {
        formats.pipeInput(publication(V4, V4_YAML, 1, START));
        envRaw.pipeInput(v4Reading(NORMAL, START.plusSeconds(1)));
        formats.pipeInput(new TestRecord<>(V4, (byte[]) null, new RecordHeaders(), START.plusSeconds(2)));
        envRaw.pipeInput(v4Reading(SENSOR_FAULT, START.plusSeconds(3)));

        assertThat(envCanonical.readValue().getSourceFormat()).isEqualTo(V4);
        assertThat(header(deadLetters.readRecord().headers(), DeadLetterHeaders.REASON)).isEqualTo("unknown-format");
        assertThat(catalog.inForce(V4)).isEmpty();
        assertThat(formatsStore().get(V4)).isNull();
        assertThat(meters.find("iot.streams.formats.in.force").tag("format", V4).gauge()).isNull();
        assertTrue(envCanonical.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aPublishedDescriptorReplacesTheBuiltInOneAndItsTombstoneBringsTheBuiltInOneBack() {
        String v2 = "{\"msgId\":\"m-1\",\"device\":{\"id\":\"env-0001\"},\"time\":\"2025-11-23T21:33:20Z\","
                + "\"readings\":{\"temperature\":{\"value\":21.5,\"unit\":\"C\"},\"humidity\":0.41}}";
        String builtInV2 = text("/dev/iotpipeline/streams/convert/descriptor/formats/env-sensor-v2.yaml");
        String republished = builtInV2.replace("message-id: {field: msgId}", "message-id: event-time");
        assertThat(republished).isNotEqualTo(builtInV2);

        formats.pipeInput(publication("env-sensor/v2", republished, 1, START));
        envRaw.pipeInput(reading("env-sensor", "v2", v2.getBytes(StandardCharsets.UTF_8), START.plusSeconds(1)));
        formats.pipeInput(new TestRecord<>("env-sensor/v2", (byte[]) null, new RecordHeaders(), START.plusSeconds(2)));
        envRaw.pipeInput(reading("env-sensor", "v2", v2.getBytes(StandardCharsets.UTF_8), START.plusSeconds(3)));

        assertThat(envCanonical.readValuesToList()).extracting(EnvReading::getMessageId)
                .containsExactly("ts-1763933600000", "m-1");
        assertThat(inForceRevision("env-sensor/v2")).isEqualTo(FormatCatalog.BUILT_IN);
        assertTrue(envCanonical.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aDescriptorThatDoesNotCompileOrNamesAnotherFormatKeepsThePreviousOneAndProcessingGoesOn() {
        formats.pipeInput(publication(V4, V4_YAML, 1, START));
        formats.pipeInput(publication(V4, V4_YAML.replace("epoch-millis", "epoch-minutes"), 2, START.plusSeconds(1)));
        formats.pipeInput(publication(V4, V4_YAML.replace("format: env-sensor/v4", "format: env-sensor/v5"), 3,
                START.plusSeconds(2)));
        formats.pipeInput(publication(V4, "{not: [yaml", 4, START.plusSeconds(3)));
        envRaw.pipeInput(v4Reading(NORMAL, START.plusSeconds(4)));

        EnvReading reading = envCanonical.readValue();
        assertThat(reading.getMessageId()).isEqualTo("v4-4711");
        assertThat(inForceRevision(V4)).isEqualTo("1");
        assertThat(meters.get("iot.streams.formats.rejected").counter().count()).isEqualTo(3.0);
        assertThat(catalog.formats()).contains(V4, "env-sensor/v3", "gps-tracker/v2");
        assertTrue(envCanonical.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void theFormatsInForceAreAMetricWithTheirRevisions() {
        formats.pipeInput(publication(V4, V4_YAML, 7, START));

        assertThat(meters.get("iot.streams.formats.in.force").tag("format", V4).tag("revision", "7").gauge().value())
                .isEqualTo(1.0);
        assertThat(meters.get("iot.streams.formats.in.force").tag("format", "env-sensor/v3")
                .tag("revision", FormatCatalog.BUILT_IN).gauge().value()).isEqualTo(1.0);
        assertThat(meters.find("iot.streams.formats.in.force").gauges()).hasSize(6);
    }

    /** The global store, as the driver shows a store with headers: the values alone. */
    private KeyValueStore<String, byte[]> formatsStore() {
        return driver.getKeyValueStore(FormatTopicProcessor.STORE);
    }

    private String inForceRevision(String format) {
        return catalog.inForce(format).orElseThrow().revision();
    }

    private static TestRecord<String, byte[]> publication(String format, String yaml, int revision, Instant at) {
        Headers headers = new RecordHeaders()
                .add(FormatHeaders.REVISION, Integer.toString(revision).getBytes(StandardCharsets.UTF_8))
                .add(FormatHeaders.PUBLISHED_BY, "data-engineer".getBytes(StandardCharsets.UTF_8))
                .add(FormatHeaders.PUBLISHED_AT, at.toString().getBytes(StandardCharsets.UTF_8));
        return new TestRecord<>(format, yaml.getBytes(StandardCharsets.UTF_8), headers, at);
    }

    private static TestRecord<byte[], byte[]> v4Reading(byte[] payload, Instant at) {
        return reading("env-sensor", "v4", payload, at);
    }

    private static TestRecord<byte[], byte[]> reading(String type, String version, byte[] payload, Instant at) {
        Headers headers = new RecordHeaders()
                .add(TelemetryHeaders.DEVICE_ID, "env-0001".getBytes(StandardCharsets.UTF_8))
                .add(TelemetryHeaders.DEVICE_TYPE, type.getBytes(StandardCharsets.UTF_8))
                .add(TelemetryHeaders.FORMAT_VERSION, version.getBytes(StandardCharsets.UTF_8))
                .add(TelemetryHeaders.RECEIVE_TIME, Long.toString(START.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
        return new TestRecord<>("env-0001".getBytes(StandardCharsets.UTF_8), payload, headers, at);
    }

    private static String header(Headers headers, String key) {
        var header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String text(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = PublishedFormatsTopologyTest.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
