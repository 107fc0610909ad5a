package dev.iotpipeline.bridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeConfigTest {

    @Test
    void environmentOverridesTheFileAndKafkaKeysReachTheProducer(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bridge.properties");
        Files.writeString(file, "bootstrap.servers=kafka:9092\nmqtt.port=1884\nkafka.linger.ms=20\n");
        BridgeConfig config = BridgeConfig.load(file, Map.of("IOT_BRIDGE_MQTT_PORT", "1999", "IOT_BRIDGE_MAX_INFLIGHT_BYTES", "1024",
                "OTHER", "x"), Map.of());
        assertThat(config.intValue(BridgeConfig.MQTT_PORT)).isEqualTo(1999);
        assertThat(config.longValue(BridgeConfig.MAX_INFLIGHT_BYTES)).isEqualTo(1024);
        assertThat(config.intValue(BridgeConfig.HTTP_PORT)).isEqualTo(8080);
        Map<String, Object> producer = config.producerConfig();
        assertThat(producer).containsEntry("bootstrap.servers", "kafka:9092").containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true").containsEntry("linger.ms", "20");
    }

    @Test
    void everyKeyHasADocumentedEnvironmentName() {
        assertThat(BridgeConfig.envName("max.connections.per.address")).isEqualTo("IOT_BRIDGE_MAX_CONNECTIONS_PER_ADDRESS");
        assertThat(BridgeConfig.KEYS).allSatisfy(key -> assertThat(key.doc()).isNotBlank());
    }

    @Test
    void theReadmeDocumentsEveryKeyWithItsEnvironmentName() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        assertThat(BridgeConfig.KEYS).allSatisfy(key -> assertThat(readme)
                .contains("| `" + key.name() + "` | `" + BridgeConfig.envName(key.name()) + "` |"));
    }

    @Test
    void badValuesAreExplained() {
        assertThatThrownBy(() -> BridgeConfig.of(Map.of())).hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "mqtt.port", "x")))
                .hasMessageContaining("mqtt.port");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "max.connections", "-1")))
                .hasMessageContaining("max.connections");
    }
}
