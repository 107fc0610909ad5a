package dev.iotpipeline.bridge.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The bridge's configuration: a properties file, then environment variables ({@code IOT_BRIDGE_}
 * + the key upper-cased, dots and dashes as underscores), then explicit overrides. Every key is in
 * {@link #KEYS} and documented in the module README. Keys starting with {@code kafka.} go to the
 * Kafka producer without the prefix.
 */
public final class BridgeConfig {

    /** A documented key. */
    public record Key(String name, String defaultValue, String doc) {
    }

    public static final String ENV_PREFIX = "IOT_BRIDGE_";
    public static final String KAFKA_PREFIX = "kafka.";

    public static final Key BOOTSTRAP_SERVERS = new Key("bootstrap.servers", null, "Kafka bootstrap servers (required).");
    public static final Key INSTANCE_ID = new Key("instance.id", hostName(), "This bridge instance's id, in the iot.bridge.instance header.");
    public static final Key MQTT_HOST = new Key("mqtt.host", "0.0.0.0", "Address of the MQTT listener.");
    public static final Key MQTT_PORT = new Key("mqtt.port", "1883", "MQTT over TCP port; 0 picks a free one.");
    public static final Key HTTP_HOST = new Key("http.host", "0.0.0.0", "Address of the HTTP listener.");
    public static final Key HTTP_PORT = new Key("http.port", "8080",
            "HTTP port: telemetry POSTs, MQTT over WebSocket at /mqtt, /health/live, /health/ready, /metrics, /openapi.yaml.");
    public static final Key DEVICES_FILE = new Key("devices.file", "devices.json", "Device registry file (re-read when it changes).");
    public static final Key RULES_FILE = new Key("rules.file", "", "Mapping rules file; empty uses the bundled default rules.");
    public static final Key MAX_PAYLOAD_BYTES = new Key("max.payload.bytes", "65536",
            "Largest accepted payload: bigger MQTT packets are refused (MQTT 5: Maximum Packet Size), HTTP answers 413.");
    public static final Key MAX_CONNECTIONS = new Key("max.connections", "10000", "Most concurrent MQTT connections; more are refused as server busy.");
    public static final Key RECEIVE_MAXIMUM = new Key("mqtt.receive.maximum", "100",
            "QoS 1 messages a client may have unacknowledged (MQTT 5 Receive Maximum; enforced for 3.1.1 by disconnecting).");
    public static final Key CONNECT_TIMEOUT_S = new Key("mqtt.connect.timeout.s", "10", "Seconds a new connection has to send CONNECT.");
    public static final Key MQTT_TLS_PORT = new Key("mqtt.tls.port", "8883",
            "MQTT over TLS port; used only when tls.cert.file is set; 0 picks a free one.");
    public static final Key HTTPS_PORT = new Key("https.port", "8443",
            "HTTPS port (telemetry POSTs and MQTT over secure WebSocket at /mqtt); used only when tls.cert.file is set.");
    public static final Key TLS_CERT_FILE = new Key("tls.cert.file", "",
            "PEM certificate chain of the TLS listeners; empty disables MQTT over TLS and HTTPS.");
    public static final Key TLS_KEY_FILE = new Key("tls.key.file", "", "PEM private key (PKCS#8) of tls.cert.file.");
    public static final Key TLS_CLIENT_AUTH = new Key("tls.client.auth", "none",
            "Client certificates on the TLS listeners: none, request or required (mTLS: the certificate's CN must be the device id).");
    public static final Key TLS_CA_FILE = new Key("tls.ca.file", "", "PEM CA certificate(s) that sign device certificates (for tls.client.auth).");
    public static final Key MAX_CONNECTIONS_PER_ADDRESS = new Key("max.connections.per.address", "1000",
            "Most concurrent MQTT connections from one source IP address; more are refused as server busy.");
    public static final Key MAX_INFLIGHT_BYTES = new Key("max.inflight.bytes", "67108864",
            "Payload bytes the whole bridge may have waiting for Kafka; past it new publishes are refused (MQTT 5: quota exceeded, 3.1.1: disconnect, HTTP 503).");
    public static final Key MAX_MESSAGES_PER_SECOND = new Key("max.messages.per.second.per.device", "100",
            "Messages per second one device may send (burst: twice that); over it MQTT 5 gets quota exceeded, 3.1.1 a disconnect, HTTP 429. 0 disables.");
    public static final Key KAFKA_TIMEOUT_MS = new Key("kafka.delivery.timeout.ms", "30000",
            "How long a message may wait for Kafka before the device is told to retry (no PUBACK / HTTP 503).");

    public static final List<Key> KEYS = List.of(BOOTSTRAP_SERVERS, INSTANCE_ID, MQTT_HOST, MQTT_PORT, HTTP_HOST, HTTP_PORT,
            DEVICES_FILE, RULES_FILE, MAX_PAYLOAD_BYTES, MAX_CONNECTIONS, RECEIVE_MAXIMUM, CONNECT_TIMEOUT_S, MQTT_TLS_PORT, HTTPS_PORT,
            TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_AUTH, TLS_CA_FILE, MAX_CONNECTIONS_PER_ADDRESS, MAX_INFLIGHT_BYTES, MAX_MESSAGES_PER_SECOND, KAFKA_TIMEOUT_MS);

    private final Map<String, String> values;

    private BridgeConfig(Map<String, String> values) {
        this.values = values;
        if (get(BOOTSTRAP_SERVERS).isBlank()) {
            throw new IllegalArgumentException("Missing required setting bootstrap.servers (or env IOT_BRIDGE_BOOTSTRAP_SERVERS)");
        }
        for (Key key : List.of(MQTT_PORT, HTTP_PORT, MAX_PAYLOAD_BYTES, MAX_CONNECTIONS, RECEIVE_MAXIMUM, CONNECT_TIMEOUT_S,
                MQTT_TLS_PORT, HTTPS_PORT, MAX_CONNECTIONS_PER_ADDRESS, KAFKA_TIMEOUT_MS, MAX_MESSAGES_PER_SECOND)) {
            if (intValue(key) < 0) {
                throw new IllegalArgumentException(key.name() + " must not be negative, got " + get(key));
            }
        }
        longValue(MAX_INFLIGHT_BYTES);
    }

    public static BridgeConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read the bridge configuration " + file + ": " + e.getMessage(), e);
            }
            properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).strip()));
        }
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                values.put(keyForEnv(name), value);
            }
        });
        values.putAll(overrides);
        return new BridgeConfig(values);
    }

    public static BridgeConfig of(Map<String, String> values) {
        return load(null, Map.of(), values);
    }

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String keyForEnv(String env) {
        for (Key key : KEYS) {
            if (envName(key.name()).equals(env)) {
                return key.name();
            }
        }
        return env.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public String get(Key key) {
        String value = values.get(key.name());
        return value != null ? value : key.defaultValue() == null ? "" : key.defaultValue();
    }

    public int intValue(Key key) {
        try {
            return Integer.parseInt(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key.name() + " must be a whole number, got '" + get(key) + "'");
        }
    }

    public long longValue(Key key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key.name() + " must be a whole number, got '" + get(key) + "'");
        }
    }

    public Path devicesFile() {
        return Path.of(get(DEVICES_FILE));
    }

    public Path rulesFile() {
        return get(RULES_FILE).isBlank() ? null : Path.of(get(RULES_FILE));
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
        values.forEach((name, value) -> {
            if (name.startsWith(KAFKA_PREFIX)) {
                config.put(name.substring(KAFKA_PREFIX.length()), value);
            }
        });
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
