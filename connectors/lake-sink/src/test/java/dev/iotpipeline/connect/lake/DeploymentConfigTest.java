package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Connect REST configs in config/ name this connector and only keys it or the worker knows, with valid values. */
class DeploymentConfigTest {

    private static final List<String> WORKER_KEYS = List.of("connector.class", "tasks.max", "topics", "key.converter",
            "value.converter", "errors.", "consumer.override.");

    @ParameterizedTest
    @ValueSource(strings = {"config/lake-sink.json", "config/lake-sink-s3.json"})
    @SuppressWarnings("unchecked")
    void theDeploymentConfigIsValid(String file) throws Exception {
        Map<String, Object> json = new ObjectMapper().readValue(Path.of(file).toFile(), Map.class);
        Map<String, String> config = (Map<String, String>) json.get("config");

        assertThat(config).containsEntry("connector.class", LakeSinkConnector.class.getName())
                .containsEntry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter")
                .containsEntry("consumer.override.isolation.level", "read_committed")
                .containsEntry("topics", "iot.batch.env_reading,iot.batch.position");
        assertThat(config.keySet()).allSatisfy(key -> assertThat(LakeSinkConfig.CONFIG_DEF.names().contains(key)
                || WORKER_KEYS.stream().anyMatch(key::startsWith)).as(key).isTrue());
        new LakeSinkConfig(config);
    }
}
