package dev.iotpipeline.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamsAppConfigTest {

    private static final Map<String, String> REQUIRED = Map.of("bootstrap.servers", "k:9092",
            "schema.registry.url", "http://r:8081");

    @Test
    void theEnvironmentOverridesTheFileAndExplicitSettingsOverrideBoth(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("streams.properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nschema.registry.url=http://file\nbatch.max.age.ms=5000\n"
                + "batch.max.records=7\nkafka.security.protocol=SSL\n");

        StreamsAppConfig config = StreamsAppConfig.load(file,
                Map.of("IOT_STREAMS_BATCH_MAX_AGE_MS", "2000", "IOT_STREAMS_BOOTSTRAP_SERVERS", "env:9092", "PATH", "/bin"),
                Map.of("bootstrap.servers", "explicit:9092"));

        assertThat(config.batchPolicy().maxAge()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.batchPolicy().maxRecords()).isEqualTo(7);
        assertThat(config.streamsProperties()).containsEntry("bootstrap.servers", "explicit:9092")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("processing.guarantee", "exactly_once_v2");
        assertThat(config.adminConfig()).containsEntry("security.protocol", "SSL");
    }

    @Test
    void defaultsFollowTheBufferingHints() {
        StreamsAppConfig config = StreamsAppConfig.of(REQUIRED);

        assertThat(config.batchPolicy().maxBytes()).isEqualTo(5L * 1024 * 1024);
        assertThat(config.batchPolicy().maxAge()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.dedupWindow()).isEqualTo(Duration.ofHours(24));
        assertThat(config.topologySettings().rawTopics()).containsExactly("iot.raw.env-sensor", "iot.raw.gps-tracker");
        assertThat(config.topologySettings().eventTimeFloor()).isEqualTo(Instant.parse("2015-01-01T00:00:00Z"));
        assertThat(StreamsAppConfig.of(Map.of("bootstrap.servers", "k:9092", "schema.registry.url", "http://r",
                "event.time.floor", "2020-01-01T00:00:00Z")).topologySettings().eventTimeFloor())
                .isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
        assertThat(config.topologySettings().formatsTopic()).isEqualTo("iot.formats");
        assertThat(StreamsAppConfig.load(null, Map.of("IOT_STREAMS_TOPICS_FORMATS", "site-a.formats"), REQUIRED)
                .topologySettings().formatsTopic()).isEqualTo("site-a.formats");
    }

    @Test
    void misconfigurationIsNamed() {
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("schema.registry.url", "http://r")))
                .hasMessageContaining("bootstrap.servers").hasMessageContaining("IOT_STREAMS_BOOTSTRAP_SERVERS");
        Map<String, String> badAge = new HashMap<>(REQUIRED);
        badAge.put("batch.max.age.ms", "soon");
        assertThatThrownBy(() -> StreamsAppConfig.of(badAge)).hasMessageContaining("batch.max.age.ms");
        Map<String, String> zeroRecords = new HashMap<>(REQUIRED);
        zeroRecords.put("batch.max.records", "0");
        assertThatThrownBy(() -> StreamsAppConfig.of(zeroRecords)).hasMessageContaining("batch.max.records");
    }

    @Test
    void validatorsRefuseValuesOutsideTheirRange() {
        for (Map.Entry<String, String> bad : Map.of("processing.guarantee", "exactly_once", "http.port", "65536",
                "batch.max.bytes", "1023", "topics.replication.factor", "0", "topics.raw", " ",
                "event.time.floor", "2015-01-01").entrySet()) {
            Map<String, String> values = new HashMap<>(REQUIRED);
            values.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> StreamsAppConfig.of(values)).as(bad.getKey())
                    .hasMessageStartingWith("Invalid streams app setting " + bad.getKey() + " (environment "
                            + StreamsAppConfig.envName(bad.getKey()) + ")");
        }
    }

    @Test
    void anEmptyStateDirIsResolvedOnThisMachineWhileTheDocumentedDefaultStaysEmpty() {
        StreamsAppConfig config = StreamsAppConfig.of(REQUIRED);

        assertThat(config.stateDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "iot-streams"));
        assertThat(config.streamsProperties()).containsEntry("state.dir", config.stateDir().toString());
        assertThat(StreamsAppConfig.COMPONENT.definition().defaultValues()).containsEntry("state.dir", "");
    }

    @Test
    void theFormatsTopicIsReadCommittedWhateverTheProcessingGuarantee() {
        Map<String, String> atLeastOnce = new HashMap<>(REQUIRED);
        atLeastOnce.put("processing.guarantee", "at_least_once");

        assertThat(StreamsAppConfig.of(atLeastOnce).streamsProperties())
                .containsEntry("global.consumer.isolation.level", "read_committed");
    }

    @Test
    void configMdDocumentsEveryKeyWithItsDefault() throws Exception {
        String docs = Files.readString(Path.of("CONFIG.md"));
        for (var key : StreamsAppConfig.COMPONENT.definition().configKeys().values()) {
            assertThat(docs).as("CONFIG.md documents " + key.name).contains("`" + key.name + "`");
            if (key.hasDefault() && !key.name.equals("state.dir") && !key.name.equals("basic.auth.user.info")) {
                String text = key.defaultValue instanceof List<?> list
                        ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(key.defaultValue);
                assertThat(docs).as("CONFIG.md gives the default of " + key.name).contains(text);
            }
        }
    }
}
