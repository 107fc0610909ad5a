package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.common.BatchSinkConnector;
import dev.iotpipeline.connect.lake.storage.S3LakeStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.Config;

/**
 * Writes the streams app's micro-batches ({@code iot.batch.env_reading}, {@code iot.batch.position})
 * as Parquet files under {@code <root>/env_readings/} and {@code <root>/positions/}, Hive-partitioned
 * by the UTC hour of each reading's event time, on a local file system or S3. Use
 * {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}: the task decodes
 * the Confluent wire format itself, with the registry in {@code schema.registry.url}.
 */
public final class LakeSinkConnector extends BatchSinkConnector {

    public LakeSinkConnector() {
        super(LakeSinkConfig.CONFIG_DEF, LakeSinkTask.class, LakeSinkConfig::new);
    }

    /**
     * Beyond each key alone: the combinations (a local lake needs an absolute directory, S3 a
     * bucket and both or neither key), then the storage itself (the directory is writable, the
     * bucket exists and the credentials reach it), so a mistake is explained before any task starts.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        if (hasErrors(result)) {
            return result;
        }
        LakeSinkConfig config = new LakeSinkConfig(connectorConfigs, false);
        config.crossFieldProblems().forEach((key, problem) -> find(result, key).addErrorMessage(key + " " + problem));
        if (!hasErrors(result)) {
            if (config.storage() == LakeSinkConfig.Storage.LOCAL) {
                checkWritable(config.localDir()).ifPresent(find(result, LakeSinkConfig.LOCAL_DIR)::addErrorMessage);
            } else {
                S3LakeStorage.checkBucket(config.s3Settings()).ifPresent(find(result, LakeSinkConfig.S3_BUCKET)::addErrorMessage);
            }
        }
        return result;
    }

    private static Optional<String> checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".lake-sink-probe-", ".tmp");
            Files.delete(probe);
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.of("The lake directory " + dir + " is not writable: " + e);
        }
    }
}
