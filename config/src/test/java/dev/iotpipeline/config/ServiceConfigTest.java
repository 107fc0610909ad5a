package dev.iotpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {

    static final ConfigComponent SAMPLE = new ConfigComponent("sample", "IOT_SAMPLE_", new ConfigDef()
            .define("bootstrap.servers", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "Kafka bootstrap servers.")
            .define("mqtt.port", Type.INT, 1883, ConfigDef.Range.between(0, 65535), Importance.HIGH, "MQTT port.", "MQTT", 1,
                    ConfigDef.Width.SHORT, "Port")
            .define("max-payload.bytes", Type.LONG, 65536L, ConfigDef.Range.atLeast(1), Importance.MEDIUM, "Largest payload | bytes."));

    static final class SampleConfig extends ServiceConfig {
        SampleConfig(Map<String, String> values) {
            super(SAMPLE, values);
        }
    }

    @Test
    void laterSourcesWinAndEnvironmentNamesMapBackToKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sample.properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nmqtt.port=1000\nmax-payload.bytes=10\n");
        Map<String, String> values = LayeredConfig.load(SAMPLE, file,
                Map.of("IOT_SAMPLE_MQTT_PORT", "2000", "IOT_SAMPLE_MAX_PAYLOAD_BYTES", "20", "IOT_SAMPLE_KAFKA_LINGER_MS", "7",
                        "OTHER_MQTT_PORT", "1"),
                Map.of("bootstrap.servers", "override:9092"));
        SampleConfig config = new SampleConfig(values);

        assertThat(config.getString("bootstrap.servers")).isEqualTo("override:9092");
        assertThat(config.getInt("mqtt.port")).isEqualTo(2000);
        assertThat(config.getLong("max-payload.bytes")).isEqualTo(20L);
        assertThat(config.passthrough("kafka.")).containsExactly(Map.entry("linger.ms", "7"));
    }

    @Test
    void aMissingOrBadValueNamesTheKeyItsEnvironmentVariableAndTheReason() {
        assertThatThrownBy(() -> new SampleConfig(Map.of("bootstrap.servers", " ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Missing required sample setting bootstrap.servers (environment IOT_SAMPLE_BOOTSTRAP_SERVERS): "
                        + "Kafka bootstrap servers.");
        assertThatThrownBy(() -> new SampleConfig(Map.of("bootstrap.servers", "k:9092", "mqtt.port", "x")))
                .hasMessageStartingWith("Invalid sample setting mqtt.port (environment IOT_SAMPLE_MQTT_PORT): ")
                .hasMessageContaining("x");
        assertThatThrownBy(() -> new SampleConfig(Map.of("bootstrap.servers", "k:9092", "mqtt.port", "70000")))
                .hasMessageContaining("mqtt.port").hasMessageContaining("65535");
    }

    @Test
    void theDocsListEveryKeyWithItsEnvironmentVariableAndDefault() {
        String markdown = ConfigDocs.markdown(SAMPLE, "Sample configuration", "Generated.");

        assertThat(markdown).startsWith("# Sample configuration\n\nGenerated.\n\n| key | environment |")
                .contains("| `mqtt.port` | `IOT_SAMPLE_MQTT_PORT` | int | 1883 | [0,...,65535] | high | MQTT | MQTT port. |")
                .contains("| `bootstrap.servers` | `IOT_SAMPLE_BOOTSTRAP_SERVERS` | string | (required) |")
                .contains("Largest payload \\| bytes.");
    }

    @Test
    void verifyReportsAStaleFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("CONFIG.md");
        Files.writeString(file, "old");

        assertThat(ConfigDocs.verify("new", file)).contains("stale").contains(ConfigDocs.UPDATE_PROPERTY);
        assertThat(ConfigDocs.verify("old", file)).isNull();
    }
}
