package dev.iotpipeline.bridge;

import dev.iotpipeline.config.ConfigComponent;
import dev.iotpipeline.config.ConfigDocs;
import dev.iotpipeline.config.LayeredConfig;
import dev.iotpipeline.config.ServiceConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The bridge's settings: a properties file, then environment variables ({@code IOT_BRIDGE_} + the
 * key upper-cased, dots and dashes as underscores), then explicit overrides (the launcher's). Every
 * key is defined, typed and validated in {@link #COMPONENT}; {@code CONFIG.md} is generated from
 * it. Keys starting with {@code kafka.} go to the Kafka producer without the prefix. The bridge
 * reads its settings through the typed views per concern ({@link #mqtt()}, {@link #http()},
 * {@link #management()}, {@link #tls()}, {@link #limits()}, {@link #delivery()}, {@link #producerConfig()}).
 */
public final class BridgeConfig extends ServiceConfig {

    public static final String ENV_PREFIX = "IOT_BRIDGE_";
    public static final String KAFKA_PREFIX = "kafka.";
    public static final String REGISTRY_PREFIX = "schema.registry.";

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String INSTANCE_ID = "instance.id";
    public static final String KAFKA_TIMEOUT_MS = "kafka.delivery.timeout.ms";
    public static final String MQTT_HOST = "mqtt.host";
    public static final String MQTT_PORT = "mqtt.port";
    public static final String MQTT_TLS_PORT = "mqtt.tls.port";
    public static final String RECEIVE_MAXIMUM = "mqtt.receive.maximum";
    public static final String CONNECT_TIMEOUT_S = "mqtt.connect.timeout.s";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTPS_PORT = "https.port";
    public static final String HTTP_IDLE_TIMEOUT_S = "http.idle.timeout.s";
    public static final String HTTP_REQUEST_HEAD_TIMEOUT_S = "http.request.head.timeout.s";
    public static final String HTTP_MAX_HEADER_BYTES = "http.max.header.bytes";
    public static final String HTTP_MAX_URL_BYTES = "http.max.url.bytes";
    public static final String HTTP_MAX_CONNECTIONS = "http.max.connections";
    public static final String HTTP_MAX_CONNECTIONS_PER_ADDRESS = "http.max.connections.per.address";
    public static final String MANAGEMENT_HOST = "management.host";
    public static final String MANAGEMENT_PORT = "management.port";
    public static final String TLS_CERT_FILE = "tls.cert.file";
    public static final String TLS_KEY_FILE = "tls.key.file";
    public static final String TLS_CLIENT_AUTH = "tls.client.auth";
    public static final String TLS_CA_FILE = "tls.ca.file";
    public static final String DEVICES_FILE = "devices.file";
    public static final String RULES_FILE = "rules.file";
    public static final String MAX_PAYLOAD_BYTES = "max.payload.bytes";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_ADDRESS = "max.connections.per.address";
    public static final String MAX_PENDING_CONNECTIONS = "max.pending.connections";
    public static final String MAX_PENDING_CONNECTIONS_PER_ADDRESS = "max.pending.connections.per.address";
    public static final String MAX_INFLIGHT_BYTES = "max.inflight.bytes";
    public static final String MAX_MESSAGES_PER_SECOND = "max.messages.per.second.per.device";
    public static final String AUTH_FAILURES_PER_ADDRESS = "auth.failures.per.address";
    public static final String AUTH_FAILURES_PER_DEVICE = "auth.failures.per.device";
    public static final String AUTH_FAILURE_MAX_DELAY_MS = "auth.failure.max.delay.ms";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String REGISTRY_BASIC_AUTH = "basic.auth.user.info";
    public static final String COMMANDS_RATE = "commands.rate.per.second";

    private static final String KAFKA = "Kafka";
    private static final String MQTT = "MQTT";
    private static final String HTTP = "HTTP";
    private static final String TLS = "TLS";
    private static final String MANAGEMENT = "Management";
    private static final String DEVICES = "Devices and mapping rules";
    private static final String LIMITS = "Limits";
    private static final String DELIVERY = "Commands and shadows";
    private static final Range PORT = Range.between(0, 65535);
    private static final Range NON_NEGATIVE = Range.atLeast(0);
    /** MQTT's largest packet (268,435,455 bytes) less the 1 KiB the listener adds for headers. */
    private static final int LARGEST_PAYLOAD = 268_435_455 - 1024;

    public static final ConfigComponent COMPONENT = new ConfigComponent("bridge", ENV_PREFIX, new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka bootstrap servers (required).", KAFKA, 1, Width.LONG, "Bootstrap servers")
            .define(INSTANCE_ID, Type.STRING, "", Importance.MEDIUM,
                    "This bridge instance's id, in the iot.bridge.instance header. Empty: the host name.", KAFKA, 2, Width.MEDIUM,
                    "Instance id")
            // Kafka refuses a delivery timeout below linger.ms + request.timeout.ms (at least 1 s here); say so at start.
            .define(KAFKA_TIMEOUT_MS, Type.INT, 30_000, Range.atLeast(2_000), Importance.MEDIUM,
                    "How long a message may wait for Kafka before the device is told to retry (no PUBACK / HTTP 503).", KAFKA, 3,
                    Width.SHORT, "Kafka delivery timeout (ms)")
            .define(MQTT_HOST, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address of the MQTT listener.", MQTT, 1, Width.MEDIUM, "Host")
            .define(MQTT_PORT, Type.INT, 1883, PORT, Importance.MEDIUM, "MQTT over TCP port; 0 picks a free one.", MQTT, 2,
                    Width.SHORT, "Port")
            .define(MQTT_TLS_PORT, Type.INT, 8883, PORT, Importance.MEDIUM,
                    "MQTT over TLS port; used only when tls.cert.file is set; 0 picks a free one.", MQTT, 3, Width.SHORT, "TLS port")
            .define(RECEIVE_MAXIMUM, Type.INT, 100, Range.between(1, 65535), Importance.LOW,
                    "QoS 1 messages a client may have unacknowledged (MQTT 5 Receive Maximum; enforced for 3.1.1 by disconnecting).",
                    MQTT, 4, Width.SHORT, "Receive maximum")
            .define(CONNECT_TIMEOUT_S, Type.INT, 10, Range.atLeast(1), Importance.LOW,
                    "Seconds from accepting an MQTT connection until it must have sent a complete CONNECT, however slowly it "
                            + "trickles its bytes; then it is closed. A TLS handshake or the WebSocket relay's PROXY header before it "
                            + "gets the same time again.", MQTT, 5, Width.SHORT, "CONNECT deadline (s)")
            .define(HTTP_HOST, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address of the HTTP listener.", HTTP, 1, Width.MEDIUM, "Host")
            .define(HTTP_PORT, Type.INT, 8080, PORT, Importance.MEDIUM,
                    "HTTP port: telemetry POSTs, MQTT over WebSocket at /mqtt, /openapi.yaml (health and metrics: management.port).",
                    HTTP, 2, Width.SHORT, "Port")
            .define(HTTPS_PORT, Type.INT, 8443, PORT, Importance.MEDIUM,
                    "HTTPS port (telemetry POSTs and MQTT over secure WebSocket at /mqtt); used only when tls.cert.file is set.",
                    HTTP, 3, Width.SHORT, "HTTPS port")
            .define(HTTP_IDLE_TIMEOUT_S, Type.INT, 300, Range.atLeast(1), Importance.LOW,
                    "Seconds an HTTP(S) connection may stay silent before it is closed. It covers MQTT over WebSocket too: such "
                            + "clients need a keep-alive shorter than this.", HTTP, 4, Width.SHORT, "Idle timeout (s)")
            .define(HTTP_REQUEST_HEAD_TIMEOUT_S, Type.INT, 10, Range.atLeast(1), Importance.LOW,
                    "Seconds an HTTP(S) connection has from its accept until it must have sent a complete request head (request "
                            + "line and headers, the /mqtt WebSocket upgrade included), however slowly it trickles its bytes; then it "
                            + "is answered 408 and closed. A keep-alive connection's next head gets the same time from its first "
                            + "byte; an HTTPS TLS handshake before the first gets the same time again.", HTTP, 5, Width.SHORT,
                    "Request head deadline (s)")
            .define(HTTP_MAX_HEADER_BYTES, Type.INT, 8192, Range.between(1024, 1024 * 1024), Importance.LOW,
                    "Largest request header block; a bigger one is answered 431.", HTTP, 6, Width.SHORT, "Max header bytes")
            .define(HTTP_MAX_URL_BYTES, Type.INT, 4096, Range.between(256, 1024 * 1024), Importance.LOW,
                    "Longest request line (method, path and query); a longer one is answered 414.", HTTP, 7, Width.SHORT,
                    "Max URL bytes")
            .define(HTTP_MAX_CONNECTIONS, Type.INT, 10_000, NON_NEGATIVE, Importance.MEDIUM,
                    "Most concurrent HTTP and HTTPS connections (MQTT over WebSocket included); one more is answered 503 and "
                            + "closed at accept, before its request is read.", HTTP, 8, Width.SHORT, "Max connections")
            .define(HTTP_MAX_CONNECTIONS_PER_ADDRESS, Type.INT, 1000, NON_NEGATIVE, Importance.MEDIUM,
                    "Most concurrent HTTP and HTTPS connections from one source IP address; more are answered 503 and closed.",
                    HTTP, 9, Width.SHORT, "Max connections per address")
            .define(MANAGEMENT_HOST, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address of the management listener (/health/live, /health/ready, /metrics), apart from the devices' "
                            + "listeners; loopback by default. In a container set it to 0.0.0.0 for probes and scrapes.", MANAGEMENT,
                    1, Width.MEDIUM, "Host")
            .define(MANAGEMENT_PORT, Type.INT, 8090, Range.between(-1, 65535), Importance.MEDIUM,
                    "Port of the management listener; 0 picks a free one, -1 turns it off.", MANAGEMENT, 2, Width.SHORT, "Port")
            .define(TLS_CERT_FILE, Type.STRING, "", Importance.MEDIUM,
                    "PEM certificate chain of the TLS listeners; empty disables MQTT over TLS and HTTPS.", TLS, 1, Width.LONG,
                    "Certificate")
            .define(TLS_KEY_FILE, Type.STRING, "", Importance.MEDIUM, "PEM private key (PKCS#8) of tls.cert.file.", TLS, 2,
                    Width.LONG, "Private key")
            .define(TLS_CLIENT_AUTH, Type.STRING, "none", ConfigDef.CaseInsensitiveValidString.in("none", "request", "required"),
                    Importance.MEDIUM,
                    "Client certificates on the TLS listeners: none, request or required (mTLS: the certificate's CN must be the "
                            + "device id).", TLS, 3, Width.SHORT, "Client certificates")
            .define(TLS_CA_FILE, Type.STRING, "", Importance.MEDIUM,
                    "PEM CA certificate(s) that sign device certificates (for tls.client.auth).", TLS, 4, Width.LONG, "Device CA")
            .define(DEVICES_FILE, Type.STRING, "devices.json", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Device registry file (re-read when it changes).", DEVICES, 1, Width.LONG, "Devices file")
            .define(RULES_FILE, Type.STRING, "", Importance.MEDIUM,
                    "Mapping rules file; empty uses the bundled default rules.", DEVICES, 2, Width.LONG, "Rules file")
            .define(MAX_PAYLOAD_BYTES, Type.INT, 65_536, Range.between(0, LARGEST_PAYLOAD), Importance.MEDIUM,
                    "Largest accepted payload: bigger MQTT packets are refused (MQTT 5: Maximum Packet Size), HTTP answers 413.",
                    LIMITS, 1, Width.SHORT, "Max payload bytes")
            .define(MAX_CONNECTIONS, Type.INT, 10_000, NON_NEGATIVE, Importance.MEDIUM,
                    "Most concurrent MQTT connections; more are refused as server busy.", LIMITS, 2, Width.SHORT, "Max connections")
            .define(MAX_CONNECTIONS_PER_ADDRESS, Type.INT, 1000, NON_NEGATIVE, Importance.MEDIUM,
                    "Most concurrent MQTT connections from one source IP address; more are refused as server busy.", LIMITS, 3,
                    Width.SHORT, "Max connections per address")
            .define(MAX_PENDING_CONNECTIONS, Type.INT, 1000, NON_NEGATIVE, Importance.MEDIUM,
                    "Most MQTT connections (TCP, TLS, WebSocket) accepted and not yet authenticated (no CONNACK yet), in total; "
                            + "one more is closed at accept, before a byte is read.", LIMITS, 9, Width.SHORT, "Max pending connections")
            .define(MAX_PENDING_CONNECTIONS_PER_ADDRESS, Type.INT, 100, NON_NEGATIVE, Importance.MEDIUM,
                    "Most MQTT connections not yet authenticated from one source IP address; more are closed at accept. Devices "
                            + "behind one NAT share an address.", LIMITS, 10, Width.SHORT, "Max pending connections per address")
            .define(MAX_INFLIGHT_BYTES, Type.LONG, 67_108_864L, Range.atLeast(1), Importance.MEDIUM,
                    "Payload bytes the whole bridge may have waiting for Kafka; past it new publishes are refused (MQTT 5: quota "
                            + "exceeded, 3.1.1: disconnect, HTTP 503).", LIMITS, 4, Width.SHORT, "Max in-flight bytes")
            .define(MAX_MESSAGES_PER_SECOND, Type.INT, 100, NON_NEGATIVE, Importance.MEDIUM,
                    "Messages per second one device may send (burst: twice that); over it MQTT 5 gets quota exceeded, 3.1.1 a "
                            + "disconnect, HTTP 429. 0 disables.", LIMITS, 5, Width.SHORT, "Max messages per second per device")
            .define(AUTH_FAILURES_PER_ADDRESS, Type.INT, 20, Range.atLeast(1), Importance.MEDIUM,
                    "Failed authentications from one source address before its further attempts wait (1 s, doubling up to "
                            + "auth.failure.max.delay.ms) and are refused without checking the secret (MQTT 5: CONNACK 0x9F connection "
                            + "rate exceeded, 3.1.1: CONNACK 3, HTTP 429). Devices behind one NAT share an address.", LIMITS, 6,
                    Width.SHORT, "Failed logins per address")
            .define(AUTH_FAILURES_PER_DEVICE, Type.INT, 5, Range.atLeast(1), Importance.MEDIUM,
                    "Failed authentications for one device id before attempts for it wait the same way; a device whose secret "
                            + "this instance has already verified still connects at once.", LIMITS, 7, Width.SHORT,
                    "Failed logins per device")
            .define(AUTH_FAILURE_MAX_DELAY_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.LOW,
                    "Longest wait after repeated failed authentications; a key quiet for twice this long starts afresh. "
                            + "0 turns the throttle off.", LIMITS, 8, Width.SHORT, "Failed login max delay (ms)")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, "", Importance.MEDIUM,
                    "Confluent-compatible schema registry URL(s) for commands and shadows (Avro); empty turns delivery of commands "
                            + "and shadows off.", DELIVERY, 1, Width.LONG, "Registry URL")
            .define(REGISTRY_BASIC_AUTH, Type.PASSWORD, "", Importance.LOW,
                    "user:password for the schema registry's HTTP basic auth; empty for none.", DELIVERY, 2, Width.MEDIUM,
                    "Registry auth")
            .define(COMMANDS_RATE, Type.INT, 1000, Range.atLeast(1), Importance.MEDIUM,
                    "Most command and shadow deliveries per second from this instance; a broadcast to many devices is spread out "
                            + "at this pace.", DELIVERY, 3, Width.SHORT, "Deliveries per second"));

    /** How the TLS listeners treat client certificates. */
    public enum ClientAuth { NONE, REQUEST, REQUIRED }

    /** The MQTT listeners: address, ports (0 picks a free one) and per-connection protocol limits. */
    public record Mqtt(String host, int port, int tlsPort, int receiveMaximum, int connectTimeoutSeconds) {
    }

    /** The HTTP listeners: address, ports (0 picks a free one), what one connection may hold, and how many connections. */
    public record Http(String host, int port, int httpsPort, int idleTimeoutSeconds, int requestHeadTimeoutSeconds, int maxHeaderBytes,
                       int maxUrlBytes, int maxConnections, int maxConnectionsPerAddress) {
    }

    /** The management listener (health and metrics): address and port; 0 picks a free one, -1 is off. */
    public record Management(String host, int port) {

        public boolean enabled() {
            return port >= 0;
        }
    }

    /** TLS for the MQTT-over-TLS and HTTPS listeners; {@code keyFile} and {@code caFile} may be null when unset. */
    public record Tls(Path certFile, Path keyFile, ClientAuth clientAuth, Path caFile) {
    }

    /**
     * What the bridge admits: payload size, MQTT connections (total and per source address), payload
     * bytes waiting for Kafka, messages per second per device (0: no limit), failed authentications
     * before attempts wait, and MQTT connections not yet authenticated (total and per address).
     */
    public record Limits(int maxPayloadBytes, int maxConnections, int maxConnectionsPerAddress, long maxInflightBytes,
                         int maxMessagesPerSecondPerDevice, int authFailuresPerAddress, int authFailuresPerDevice,
                         long authFailureMaxDelayMs, int maxPendingConnections, int maxPendingConnectionsPerAddress) {
    }

    /** Commands and shadows to devices: on only with a schema registry. */
    public record Delivery(int ratePerSecond, Map<String, Object> registryConfig) {
    }

    private BridgeConfig(Map<String, String> values) {
        super(COMPONENT, values);
    }

    /** Defaults, then {@code file} (if not null), then the environment, then {@code overrides}. */
    public static BridgeConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        return new BridgeConfig(LayeredConfig.load(COMPONENT, file, environment, overrides));
    }

    public static BridgeConfig of(Map<String, String> values) {
        return load(null, Map.of(), values);
    }

    public static String envName(String key) {
        return COMPONENT.envName(key);
    }

    /** The text of {@code CONFIG.md}, generated from {@link #COMPONENT}. */
    public static String configMarkdown() {
        return ConfigDocs.markdown(COMPONENT, "Ingest bridge configuration", """
                Generated from `BridgeConfig.COMPONENT` by `ConfigDocsTest` (run it with
                `-Diot.config.docs.update=true` to rewrite this file); do not edit by hand.

                Settings come from a properties file (the first argument of `IngestBridgeMain`), then environment
                variables (`IOT_BRIDGE_` + the key upper-cased, dots and dashes as underscores), then the
                launcher's overrides; later sources win. Every value is checked at start: a bad one stops the
                bridge with a message naming the key and its environment variable.

                Passthrough: keys starting with `kafka.` go to the Kafka producer without the prefix (TLS/SASL
                to Kafka: `kafka.security.protocol`, `kafka.sasl.jaas.config`, ...; the `security.`, `ssl.` and
                `sasl.` ones also reach the bridge's consumer and admin client); keys starting with
                `schema.registry.` go to the registry client.
                """);
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    /** This instance's id; the host name when the setting is empty. */
    public String instanceId() {
        String id = getString(INSTANCE_ID).strip();
        return id.isEmpty() ? hostName() : id;
    }

    public Mqtt mqtt() {
        return new Mqtt(getString(MQTT_HOST), getInt(MQTT_PORT), getInt(MQTT_TLS_PORT), getInt(RECEIVE_MAXIMUM),
                getInt(CONNECT_TIMEOUT_S));
    }

    public Http http() {
        return new Http(getString(HTTP_HOST), getInt(HTTP_PORT), getInt(HTTPS_PORT), getInt(HTTP_IDLE_TIMEOUT_S),
                getInt(HTTP_REQUEST_HEAD_TIMEOUT_S), getInt(HTTP_MAX_HEADER_BYTES), getInt(HTTP_MAX_URL_BYTES), getInt(HTTP_MAX_CONNECTIONS),
                getInt(HTTP_MAX_CONNECTIONS_PER_ADDRESS));
    }

    public Management management() {
        return new Management(getString(MANAGEMENT_HOST), getInt(MANAGEMENT_PORT));
    }

    /** The TLS settings, if {@code tls.cert.file} is set. */
    public Optional<Tls> tls() {
        Optional<Path> cert = path(TLS_CERT_FILE);
        return cert.map(file -> new Tls(file, path(TLS_KEY_FILE).orElse(null),
                ClientAuth.valueOf(getString(TLS_CLIENT_AUTH).strip().toUpperCase(Locale.ROOT)), path(TLS_CA_FILE).orElse(null)));
    }

    public Limits limits() {
        return new Limits(getInt(MAX_PAYLOAD_BYTES), getInt(MAX_CONNECTIONS), getInt(MAX_CONNECTIONS_PER_ADDRESS),
                getLong(MAX_INFLIGHT_BYTES), getInt(MAX_MESSAGES_PER_SECOND), getInt(AUTH_FAILURES_PER_ADDRESS),
                getInt(AUTH_FAILURES_PER_DEVICE), getLong(AUTH_FAILURE_MAX_DELAY_MS), getInt(MAX_PENDING_CONNECTIONS),
                getInt(MAX_PENDING_CONNECTIONS_PER_ADDRESS));
    }

    /** Command and shadow delivery, if {@code schema.registry.url} is set. */
    public Optional<Delivery> delivery() {
        return getString(SCHEMA_REGISTRY_URL).isBlank() ? Optional.empty()
                : Optional.of(new Delivery(getInt(COMMANDS_RATE), registryConfig()));
    }

    public Path devicesFile() {
        return Path.of(getString(DEVICES_FILE));
    }

    /** The mapping rules file, or null for the bundled defaults. */
    public Path rulesFile() {
        return path(RULES_FILE).orElse(null);
    }

    /** Schema registry client settings ({@code schema.registry.*} passthrough on top of the URL). */
    public Map<String, Object> registryConfig() {
        Map<String, Object> registry = new LinkedHashMap<>();
        passthrough(REGISTRY_PREFIX).forEach((name, value) -> registry.put(REGISTRY_PREFIX + name, value));
        registry.put(SCHEMA_REGISTRY_URL, getString(SCHEMA_REGISTRY_URL));
        String auth = getPassword(REGISTRY_BASIC_AUTH).value();
        if (!auth.isBlank()) {
            registry.put(REGISTRY_BASIC_AUTH, auth);
        }
        return registry;
    }

    /** Settings for the bridge's own consumers: bootstrap servers and the kafka.* security passthrough. */
    public Map<String, Object> consumerConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(BOOTSTRAP_SERVERS, bootstrapServers());
        config.putAll(securityPassthrough());
        config.put("client.id", "ingest-bridge-" + instanceId() + "-delivery");
        return config;
    }

    /** Producer settings: durable (acks=all, idempotent) with the kafka.* passthrough on top. */
    public Map<String, Object> producerConfig() {
        int deliveryTimeout = getInt(KAFKA_TIMEOUT_MS);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(BOOTSTRAP_SERVERS, bootstrapServers());
        config.put("acks", "all");
        config.put("enable.idempotence", "true");
        config.put("linger.ms", "5");
        config.put("compression.type", "lz4");
        config.put("delivery.timeout.ms", Integer.toString(deliveryTimeout));
        // A request must be able to time out (and be retried) within the delivery timeout.
        config.put("request.timeout.ms", Integer.toString(Math.max(1000, Math.min(10_000, deliveryTimeout / 2))));
        // send() waits this long for a topic's metadata (on the sender thread, never an event loop).
        config.put("max.block.ms", "2000");
        config.put("client.id", "ingest-bridge-" + instanceId());
        config.putAll(passthrough(KAFKA_PREFIX));
        return config;
    }

    private Map<String, String> securityPassthrough() {
        Map<String, String> security = new LinkedHashMap<>();
        passthrough(KAFKA_PREFIX).forEach((name, value) -> {
            if (name.startsWith("security.") || name.startsWith("ssl.") || name.startsWith("sasl.")) {
                security.put(name, value);
            }
        });
        return security;
    }

    private Optional<Path> path(String key) {
        String value = getString(key).strip();
        return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "bridge";
        }
    }
}
