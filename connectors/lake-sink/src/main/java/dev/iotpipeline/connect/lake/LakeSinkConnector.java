package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.lake.storage.S3LakeStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Writes the streams app's micro-batches ({@code iot.batch.env_reading}, {@code iot.batch.position})
 * as Parquet files under {@code <root>/env_readings/} and {@code <root>/positions/}, Hive-partitioned
 * by the UTC hour of each reading's event time, on a local file system or S3. Use
 * {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}: the task decodes
 * the Confluent wire format itself, with the registry in {@code schema.registry.url}.
 */
public final class LakeSinkConnector extends SinkConnector {

    static final String VERSION = "0.1.0";

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        new LakeSinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return LakeSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return LakeSinkConfig.CONFIG_DEF;
    }

    /**
     * Beyond each key alone: the combinations (a local lake needs an absolute directory, S3 a
     * bucket and both or neither key), then the storage itself (the directory is writable, the
     * bucket exists and the credentials reach it), so a mistake is explained before any task starts.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        if (result.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty())) {
            return result;
        }
        LakeSinkConfig config = new LakeSinkConfig(connectorConfigs, false);
        config.crossFieldProblems().forEach((key, problem) -> find(result, key).addErrorMessage(key + " " + problem));
        if (result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty())) {
            if (config.storage() == LakeSinkConfig.Storage.LOCAL) {
                checkWritable(config.localDir()).ifPresent(find(result, LakeSinkConfig.LOCAL_DIR)::addErrorMessage);
            } else {
                S3LakeStorage.checkBucket(config.s3Settings()).ifPresent(find(result, LakeSinkConfig.S3_BUCKET)::addErrorMessage);
            }
        }
        return result;
    }

    private static java.util.Optional<String> checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".lake-sink-probe-", ".tmp");
            Files.delete(probe);
            return java.util.Optional.empty();
        } catch (IOException | SecurityException e) {
            return java.util.Optional.of("The lake directory " + dir + " is not writable: " + e);
        }
    }

    private static ConfigValue find(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }
}
