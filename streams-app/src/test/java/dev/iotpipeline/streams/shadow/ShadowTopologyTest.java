package dev.iotpipeline.streams.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.schemas.shadow.ShadowState;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.topology.TelemetryTopology;
import dev.iotpipeline.streams.topology.TopologySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShadowTopologyTest {

    @TempDir
    Path stateDir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ShadowState> reported;
    private TestInputTopic<String, ShadowState> desired;
    private TestOutputTopic<String, DeviceShadow> shadows;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "shadow-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(TelemetryTopology.build(TopologySettings.defaults(), registry, BatchPolicy.defaults(),
                new ConverterRegistry(ConverterRegistry.builtIn()), new StreamsMetrics(new SimpleMeterRegistry())), props);
        reported = driver.createInputTopic(Topics.SHADOW_REPORTED, new StringSerializer(), new ConfluentAvroSerializer<>(registry));
        desired = driver.createInputTopic(Topics.SHADOW_DESIRED, new StringSerializer(), new ConfluentAvroSerializer<>(registry));
        shadows = driver.createOutputTopic(Topics.SHADOW, new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, DeviceShadow.class));
    }

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void desiredChangesProduceTheRightDeltaInVersionOrder() {
        desired.pipeInput("env-0001", state("env-0001", "{\"interval_s\":60,\"led\":{\"color\":\"green\",\"on\":true}}"));
        reported.pipeInput("env-0001", state("env-0001", "{\"interval_s\":300,\"led\":{\"color\":\"green\",\"on\":false},\"fw\":\"2.3.1\"}"));
        reported.pipeInput("env-0001", state("env-0001", "{\"interval_s\":60}"));
        desired.pipeInput("env-0001", state("env-0001", "{\"led\":null}"));

        List<DeviceShadow> versions = shadows.readValuesToList();
        assertThat(versions).extracting(DeviceShadow::getVersion).containsExactly(1L, 2L, 3L, 4L);
        assertThat(versions).extracting(DeviceShadow::getDelta).containsExactly(
                "{\"interval_s\":60,\"led\":{\"color\":\"green\",\"on\":true}}",
                "{\"interval_s\":60,\"led\":{\"on\":true}}",
                "{\"led\":{\"on\":true}}",
                "{}");
        DeviceShadow last = versions.get(3);
        assertThat(last.getDesired()).isEqualTo("{\"interval_s\":60}");
        assertThat(last.getReported()).isEqualTo("{\"interval_s\":60,\"led\":{\"color\":\"green\",\"on\":false},\"fw\":\"2.3.1\"}");
        KeyValueStore<String, DeviceShadow> store = driver.getKeyValueStore(ShadowProcessor.STORE);
        assertThat(store.get("env-0001").getVersion()).isEqualTo(4);
        assertTrue(shadows.isEmpty());
    }

    @Test
    void aTombstoneOnAStateTopicErasesTheShadowAndTombstonesItOnTheShadowTopic() {
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER,
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        desired.pipeInput("env-0001", state("env-0001", "{\"interval_s\":60}"));
        desired.pipeInput("env-0002", state("env-0002", "{\"interval_s\":30}"));
        shadows.readValuesToList();

        desired.pipeInput("env-0001", (ShadowState) null);
        reported.pipeInput("env-0001", (ShadowState) null); // the second tombstone finds nothing left

        List<org.apache.kafka.streams.test.TestRecord<String, DeviceShadow>> out = shadows.readRecordsToList();
        assertThat(out).extracting(org.apache.kafka.streams.test.TestRecord::key).containsExactly("env-0001");
        assertThat(out.get(0).value()).isNull();
        KeyValueStore<String, DeviceShadow> store = driver.getKeyValueStore(ShadowProcessor.STORE);
        assertThat(store.get("env-0001")).isNull();
        assertThat(store.get("env-0002").getDesired()).isEqualTo("{\"interval_s\":30}");
        // A shadow set again later starts over at version 1.
        desired.pipeInput("env-0001", state("env-0001", "{\"interval_s\":10}"));
        assertThat(shadows.readValuesToList()).extracting(DeviceShadow::getVersion).containsExactly(1L);
        assertTrue(deadLetters.isEmpty());
        assertTrue(shadows.isEmpty());
    }

    @Test
    void aStateThatIsNotAJsonObjectIsDeadLetteredAndChangesNothing() {
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER,
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        desired.pipeInput("trk-1", state("trk-1", "[1,2]"));
        driver.createInputTopic(Topics.SHADOW_DESIRED, new StringSerializer(), new ByteArraySerializer())
                .pipeInput("trk-1", "not avro".getBytes(StandardCharsets.UTF_8));

        assertThat(deadLetters.readRecordsToList()).extracting(r -> new String(
                r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                .containsExactly("invalid-shadow-state", "invalid-shadow-state");
        assertThat(driver.<String, DeviceShadow>getKeyValueStore(ShadowProcessor.STORE).get("trk-1")).isNull();
        assertTrue(shadows.isEmpty());
    }

    private static ShadowState state(String device, String json) {
        return new ShadowState(device, "env-sensor", json, Instant.parse("2025-11-23T21:33:20Z"));
    }
}
