package dev.iotpipeline.bridge.config;

import dev.iotpipeline.schemas.config.ConfigKey;
import dev.iotpipeline.schemas.config.LayeredConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bridge's configuration, layered as every service's ({@link LayeredConfig}): a properties
 * file, then environment variables ({@code IOT_BRIDGE_} + the key upper-cased, dots and dashes as
 * underscores), then explicit overrides. Every key is in
 * {@link #KEYS} and documented in the module README. Keys starting with {@code kafka.} go to the
 * Kafka producer without the prefix.
 */
public final class BridgeConfig {

    public static final String ENV_PREFIX = "IOT_BRIDGE_";
    public static final String KAFKA_PREFIX = "kafka.";

    public static final ConfigKey BOOTSTRAP_SERVERS = new ConfigKey("bootstrap.servers", null, "Kafka bootstrap servers (required).");
    public static final ConfigKey INSTANCE_ID = new ConfigKey("instance.id", hostName(), "This bridge instance's id, in the iot.bridge.instance header.");
    public static final ConfigKey MQTT_HOST = new ConfigKey("mqtt.host", "0.0.0.0", "Address of the MQTT listener.");
    public static final ConfigKey MQTT_PORT = new ConfigKey("mqtt.port", "1883", "MQTT over TCP port; 0 picks a free one.");
    public static final ConfigKey HTTP_HOST = new ConfigKey("http.host", "0.0.0.0", "Address of the HTTP listener.");
    public static final ConfigKey HTTP_PORT = new ConfigKey("http.port", "8080",
            "HTTP port: telemetry POSTs, MQTT over WebSocket at /mqtt, /health/live, /health/ready, /metrics, /openapi.yaml.");
    public static final ConfigKey DEVICES_FILE = new ConfigKey("devices.file", "devices.json", "Device registry file (re-read when it changes).");
    public static final ConfigKey RULES_FILE = new ConfigKey("rules.file", "", "Mapping rules file; empty uses the bundled default rules.");
    public static final ConfigKey MAX_PAYLOAD_BYTES = new ConfigKey("max.payload.bytes", "65536",
            "Largest accepted payload: bigger MQTT packets are refused (MQTT 5: Maximum Packet Size), HTTP answers 413.");
    public static final ConfigKey MAX_CONNECTIONS = new ConfigKey("max.connections", "10000", "Most concurrent MQTT connections; more are refused as server busy.");
    public static final ConfigKey RECEIVE_MAXIMUM = new ConfigKey("mqtt.receive.maximum", "100",
            "QoS 1 messages a client may have unacknowledged (MQTT 5 Receive Maximum; enforced for 3.1.1 by disconnecting).");
    public static final ConfigKey CONNECT_TIMEOUT_S = new ConfigKey("mqtt.connect.timeout.s", "10", "Seconds a new connection has to send CONNECT.");
    public static final ConfigKey MQTT_TLS_PORT = new ConfigKey("mqtt.tls.port", "8883",
            "MQTT over TLS port; used only when tls.cert.file is set; 0 picks a free one.");
    public static final ConfigKey HTTPS_PORT = new ConfigKey("https.port", "8443",
            "HTTPS port (telemetry POSTs and MQTT over secure WebSocket at /mqtt); used only when tls.cert.file is set.");
    public static final ConfigKey TLS_CERT_FILE = new ConfigKey("tls.cert.file", "",
            "PEM certificate chain of the TLS listeners; empty disables MQTT over TLS and HTTPS.");
    public static final ConfigKey TLS_KEY_FILE = new ConfigKey("tls.key.file", "", "PEM private key (PKCS#8) of tls.cert.file.");
    public static final ConfigKey TLS_CLIENT_AUTH = new ConfigKey("tls.client.auth", "none",
            "Client certificates on the TLS listeners: none, request or required (mTLS: the certificate's CN must be the device id).");
    public static final ConfigKey TLS_CA_FILE = new ConfigKey("tls.ca.file", "", "PEM CA certificate(s) that sign device certificates (for tls.client.auth).");
    public static final ConfigKey MAX_CONNECTIONS_PER_ADDRESS = new ConfigKey("max.connections.per.address", "1000",
            "Most concurrent MQTT connections from one source IP address; more are refused as server busy.");
    public static final ConfigKey MAX_INFLIGHT_BYTES = new ConfigKey("max.inflight.bytes", "67108864",
            "Payload bytes the whole bridge may have waiting for Kafka; past it new publishes are refused (MQTT 5: quota exceeded, 3.1.1: disconnect, HTTP 503).");
    public static final ConfigKey MAX_MESSAGES_PER_SECOND = new ConfigKey("max.messages.per.second.per.device", "100",
            "Messages per second one device may send (burst: twice that); over it MQTT 5 gets quota exceeded, 3.1.1 a disconnect, HTTP 429. 0 disables.");
    public static final ConfigKey SCHEMA_REGISTRY_URL = new ConfigKey("schema.registry.url", "",
            "Confluent-compatible schema registry URL(s) for commands and shadows (Avro); empty turns delivery of commands and shadows off.");
    public static final ConfigKey REGISTRY_BASIC_AUTH = new ConfigKey("basic.auth.user.info", "",
            "user:password for the schema registry's HTTP basic auth; empty for none.");
    public static final ConfigKey COMMANDS_RATE = new ConfigKey("commands.rate.per.second", "1000",
            "Most command and shadow deliveries per second from this instance; a broadcast to many devices is spread out at this pace.");
    public static final ConfigKey KAFKA_TIMEOUT_MS = new ConfigKey("kafka.delivery.timeout.ms", "30000",
            "How long a message may wait for Kafka before the device is told to retry (no PUBACK / HTTP 503).");

    public static final List<ConfigKey> KEYS = List.of(BOOTSTRAP_SERVERS, INSTANCE_ID, MQTT_HOST, MQTT_PORT, HTTP_HOST, HTTP_PORT,
            DEVICES_FILE, RULES_FILE, MAX_PAYLOAD_BYTES, MAX_CONNECTIONS, RECEIVE_MAXIMUM, CONNECT_TIMEOUT_S, MQTT_TLS_PORT, HTTPS_PORT,
            TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_AUTH, TLS_CA_FILE, MAX_CONNECTIONS_PER_ADDRESS, MAX_INFLIGHT_BYTES, MAX_MESSAGES_PER_SECOND, SCHEMA_REGISTRY_URL, REGISTRY_BASIC_AUTH, COMMANDS_RATE, KAFKA_TIMEOUT_MS);

    private final LayeredConfig values;

    private BridgeConfig(LayeredConfig values) {
        this.values = values;
        values.require(BOOTSTRAP_SERVERS);
        for (ConfigKey key : List.of(MQTT_PORT, HTTP_PORT, MAX_PAYLOAD_BYTES, MAX_CONNECTIONS, RECEIVE_MAXIMUM, CONNECT_TIMEOUT_S,
                MQTT_TLS_PORT, HTTPS_PORT, MAX_CONNECTIONS_PER_ADDRESS, KAFKA_TIMEOUT_MS, MAX_MESSAGES_PER_SECOND, COMMANDS_RATE)) {
            if (intValue(key) < 0) {
                throw new IllegalArgumentException(key.name() + " must not be negative, got " + get(key));
            }
        }
        longValue(MAX_INFLIGHT_BYTES);
    }

    public static BridgeConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        return new BridgeConfig(LayeredConfig.load("bridge", ENV_PREFIX, KEYS, file, environment, overrides));
    }

    public static BridgeConfig of(Map<String, String> values) {
        return load(null, Map.of(), values);
    }

    public static String envName(String key) {
        return LayeredConfig.envName(ENV_PREFIX, key);
    }

    public String get(ConfigKey key) {
        return values.get(key);
    }

    public int intValue(ConfigKey key) {
        return values.intValue(key);
    }

    public long longValue(ConfigKey key) {
        return values.longValue(key);
    }

    public Path devicesFile() {
        return Path.of(get(DEVICES_FILE));
    }

    public Path rulesFile() {
        return get(RULES_FILE).isBlank() ? null : Path.of(get(RULES_FILE));
    }

    /** Schema registry client settings ({@code schema.registry.*} passthrough on top of the URL). */
    public Map<String, Object> registryConfig() {
        Map<String, Object> registry = new LinkedHashMap<>();
        values.withPrefix("schema.registry.").forEach((name, value) -> registry.put("schema.registry." + name, value));
        if (!get(REGISTRY_BASIC_AUTH).isBlank()) {
            registry.put(REGISTRY_BASIC_AUTH.name(), get(REGISTRY_BASIC_AUTH));
        }
        return registry;
    }

    /** Settings for the bridge's own consumers: bootstrap servers and the kafka.* security passthrough. */
    public Map<String, Object> consumerConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", get(BOOTSTRAP_SERVERS));
        values.withPrefix(KAFKA_PREFIX).forEach((name, value) -> {
            if (name.startsWith("security.") || name.startsWith("ssl.") || name.startsWith("sasl.")) {
                config.put(name, value);
            }
        });
        config.put("client.id", "ingest-bridge-" + get(INSTANCE_ID) + "-fanout");
        return config;
    }

    /** Producer settings: durable (acks=all, idempotent) with the kafka.* passthrough on top. */
    public Map<String, Object> producerConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", get(BOOTSTRAP_SERVERS));
        config.put("acks", "all");
        config.put("enable.idempotence", "true");
        config.put("linger.ms", "5");
        config.put("compression.type", "lz4");
        config.put("delivery.timeout.ms", get(KAFKA_TIMEOUT_MS));
        // A request must be able to time out (and be retried) within the delivery timeout.
        config.put("request.timeout.ms", Integer.toString(Math.max(1000, Math.min(10_000, intValue(KAFKA_TIMEOUT_MS) / 2))));
        // send() waits this long for a topic's metadata (on the sender thread, never an event loop).
        config.put("max.block.ms", "2000");
        config.put("client.id", "ingest-bridge-" + get(INSTANCE_ID));
        config.putAll(values.withPrefix(KAFKA_PREFIX));
        return config;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "bridge";
        }
    }
}
