package dev.iotpipeline.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.schemas.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    }

    @Test
    void misconfigurationIsNamed() {
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("schema.registry.url", "http://r")))
                .hasMessageContaining("bootstrap.servers").hasMessageContaining("IOT_STREAMS_BOOTSTRAP_SERVERS");
        Map<String, String> badAge = new java.util.HashMap<>(REQUIRED);
        badAge.put("batch.max.age.ms", "soon");
        assertThatThrownBy(() -> StreamsAppConfig.of(badAge)).hasMessageContaining("batch.max.age.ms");
        Map<String, String> zeroRecords = new java.util.HashMap<>(REQUIRED);
        zeroRecords.put("batch.max.records", "0");
        assertThatThrownBy(() -> StreamsAppConfig.of(zeroRecords)).hasMessageContaining("batch.max.records");
    }

    @Test
    void theReadmeDocumentsEveryKeyWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (ConfigKey key : StreamsAppConfig.KEYS) {
            assertThat(readme).as("README documents " + key.name()).contains("`" + key.name() + "`");
            if (key.defaultValue() != null && !key.name().equals("state.dir")) {
                assertThat(readme).as("README gives the default of " + key.name()).contains(key.defaultValue());
            }
        }
    }
}
