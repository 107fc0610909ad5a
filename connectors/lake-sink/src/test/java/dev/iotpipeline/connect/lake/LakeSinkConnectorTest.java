package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeSinkConnectorTest {

    @TempDir
    Path dir;

    private final LakeSinkConnector connector = new LakeSinkConnector();

    @Test
    void aValidLocalConfigHasNoErrorsAndDefaultsToZstd() {
        Map<String, String> props = local(dir.resolve("lake").toString());
        assertThat(allErrors(connector.validate(props))).isEmpty();
        assertThat(Files.isDirectory(dir.resolve("lake"))).isTrue();
        LakeSinkConfig config = new LakeSinkConfig(props);
        assertThat(config.compression()).isEqualTo(CompressionCodecName.ZSTD);
        assertThat(config.storage()).isEqualTo(LakeSinkConfig.Storage.LOCAL);
    }

    @Test
    void validationExplainsAMissingRegistryAWrongCodecAndAMissingOrRelativeDirectory() {
        assertThat(errors(connector.validate(Map.of("lake.local.dir", dir.toString())), "schema.registry.url")).isNotEmpty();

        Map<String, String> badCodec = local(dir.toString());
        badCodec.put("parquet.compression", "gzip");
        assertThat(errors(connector.validate(badCodec), "parquet.compression")).singleElement().asString().contains("gzip");

        assertThat(errors(connector.validate(local("")), "lake.local.dir")).singleElement().asString()
                .contains("required with lake.storage=local");
        assertThat(errors(connector.validate(local("relative/lake")), "lake.local.dir")).singleElement().asString()
                .contains("absolute path");
        assertThatThrownBy(() -> new LakeSinkConfig(local("relative/lake"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("absolute path");
    }

    @Test
    void validationTriesTheDirectory() throws Exception {
        Path aFile = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThat(errors(connector.validate(local(aFile.resolve("lake").toString())), "lake.local.dir")).singleElement()
                .asString().contains("is not writable");
    }

    @Test
    void validationExplainsS3Combinations() {
        Map<String, String> noBucket = s3();
        noBucket.remove("s3.bucket");
        assertThat(errors(connector.validate(noBucket), "s3.bucket")).singleElement().asString().contains("required");

        Map<String, String> halfKey = s3();
        halfKey.remove("s3.secret.access.key");
        assertThat(errors(connector.validate(halfKey), "s3.secret.access.key")).singleElement().asString()
                .contains("set together");

        Map<String, String> tinyPart = s3();
        tinyPart.put("s3.part.size.bytes", "1000");
        assertThat(errors(connector.validate(tinyPart), "s3.part.size.bytes")).isNotEmpty();

        Map<String, String> partAboveThreshold = s3();
        partAboveThreshold.put("s3.part.size.bytes", Long.toString(64L << 20));
        assertThat(errors(connector.validate(partAboveThreshold), "s3.part.size.bytes")).singleElement().asString()
                .contains("must not exceed s3.multipart.threshold.bytes");
    }

    @Test
    void validationTriesTheBucket() {
        Map<String, String> unreachable = s3();
        unreachable.put("s3.endpoint", "http://127.0.0.1:1");
        assertThat(errors(connector.validate(unreachable), "s3.bucket")).singleElement().asString()
                .contains("cannot reach S3 for bucket lake");
    }

    @Test
    void everyTaskGetsTheConnectorsConfig() {
        Map<String, String> props = local(dir.toString());
        connector.start(props);
        assertThat(connector.taskConfigs(3)).hasSize(3).allSatisfy(c -> assertThat(c).isEqualTo(props));
        assertThat(connector.taskClass()).isEqualTo(LakeSinkTask.class);
    }

    private static Map<String, String> local(String dir) {
        Map<String, String> props = new HashMap<>();
        props.put("schema.registry.url", "http://127.0.0.1:1");
        props.put("lake.local.dir", dir);
        return props;
    }

    private static Map<String, String> s3() {
        Map<String, String> props = new HashMap<>();
        props.put("schema.registry.url", "http://127.0.0.1:1");
        props.put("lake.storage", "s3");
        props.put("s3.bucket", "lake");
        props.put("s3.access.key.id", "id");
        props.put("s3.secret.access.key", "secret");
        return props;
    }

    private static List<String> errors(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst()
                .map(ConfigValue::errorMessages).orElseThrow();
    }

    private static List<String> allErrors(Config config) {
        return config.configValues().stream().flatMap(v -> v.errorMessages().stream()).toList();
    }
}
