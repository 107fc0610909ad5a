package dev.iotpipeline.bridge;

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
        assertThat(config.mqtt().port()).isEqualTo(1999);
        assertThat(config.limits().maxInflightBytes()).isEqualTo(1024);
        assertThat(config.http().port()).isEqualTo(8080);
        Map<String, Object> producer = config.producerConfig();
        assertThat(producer).containsEntry("bootstrap.servers", "kafka:9092").containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true").containsEntry("linger.ms", "20");
    }

    @Test
    void everyKeyHasADocumentedEnvironmentName() {
        assertThat(BridgeConfig.envName("max.connections.per.address")).isEqualTo("IOT_BRIDGE_MAX_CONNECTIONS_PER_ADDRESS");
        assertThat(BridgeConfig.COMPONENT.definition().configKeys().values())
                .allSatisfy(key -> assertThat(key.documentation).isNotBlank());
    }

    @Test
    void theConfigMdDocumentsEveryKeyWithItsEnvironmentName() throws Exception {
        String docs = Files.readString(Path.of("CONFIG.md"));
        assertThat(BridgeConfig.COMPONENT.definition().names()).allSatisfy(key -> assertThat(docs)
                .contains("| `" + key + "` | `" + BridgeConfig.envName(key) + "` |"));
    }

    @Test
    void badValuesAreExplained() {
        assertThatThrownBy(() -> BridgeConfig.of(Map.of())).hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "mqtt.port", "x")))
                .hasMessageContaining("mqtt.port");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "max.connections", "-1")))
                .hasMessageContaining("max.connections");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "http.port", "70000")))
                .hasMessageContaining("http.port").hasMessageContaining("IOT_BRIDGE_HTTP_PORT");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "tls.client.auth", "optional")))
                .hasMessageContaining("tls.client.auth");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "kafka.delivery.timeout.ms", "500")))
                .hasMessageContaining("kafka.delivery.timeout.ms");
    }

    @Test
    void connectionLimitsAndTheManagementListenerAreTyped() {
        BridgeConfig config = BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "max.pending.connections", "50",
                "max.pending.connections.per.address", "5", "http.max.connections", "70", "http.max.connections.per.address", "7",
                "management.host", "0.0.0.0", "management.port", "-1"));
        assertThat(config.limits().maxPendingConnections()).isEqualTo(50);
        assertThat(config.limits().maxPendingConnectionsPerAddress()).isEqualTo(5);
        assertThat(config.http().maxConnections()).isEqualTo(70);
        assertThat(config.http().maxConnectionsPerAddress()).isEqualTo(7);
        assertThat(config.management().host()).isEqualTo("0.0.0.0");
        assertThat(config.management().enabled()).as("-1 turns it off").isFalse();
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "management.port", "-2")))
                .hasMessageContaining("management.port");
        assertThatThrownBy(() -> BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "max.pending.connections", "-1")))
                .hasMessageContaining("max.pending.connections");
    }

    @Test
    void typedViewsCarryEveryConcern(@TempDir Path dir) {
        BridgeConfig config = BridgeConfig.of(Map.of("bootstrap.servers", "k:9092", "tls.cert.file", "/etc/bridge/cert.pem",
                "tls.client.auth", "REQUIRED", "tls.ca.file", "/etc/bridge/ca.pem", "schema.registry.url", "http://registry:8081",
                "basic.auth.user.info", "u:p", "commands.rate.per.second", "250", "instance.id", "bridge-7"));
        assertThat(config.tls()).hasValueSatisfying(tls -> {
            assertThat(tls.certFile()).isEqualTo(Path.of("/etc/bridge/cert.pem"));
            assertThat(tls.keyFile()).isNull();
            assertThat(tls.clientAuth()).isEqualTo(BridgeConfig.ClientAuth.REQUIRED);
        });
        assertThat(config.delivery()).hasValueSatisfying(delivery -> {
            assertThat(delivery.ratePerSecond()).isEqualTo(250);
            assertThat(delivery.registryConfig()).containsEntry("schema.registry.url", "http://registry:8081")
                    .containsEntry("basic.auth.user.info", "u:p");
        });
        assertThat(config.instanceId()).isEqualTo("bridge-7");
        assertThat(config.consumerConfig()).containsEntry("client.id", "ingest-bridge-bridge-7-delivery");

        BridgeConfig plain = BridgeConfig.of(Map.of("bootstrap.servers", "k:9092"));
        assertThat(plain.management()).as("loopback by default").isEqualTo(new BridgeConfig.Management("127.0.0.1", 8090));
        assertThat(plain.tls()).isEmpty();
        assertThat(plain.delivery()).isEmpty();
        assertThat(plain.rulesFile()).isNull();
        assertThat(plain.instanceId()).as("the host name when empty").isNotBlank();
    }
}
