package dev.iotpipeline.streams.config;

import dev.iotpipeline.schemas.config.ConfigKey;
import dev.iotpipeline.schemas.config.LayeredConfig;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.topology.TopologySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The streams app's configuration: a properties file, then environment variables on top
 * ({@code IOT_STREAMS_} + the key upper-cased with dots and dashes as underscores, e.g.
 * {@code IOT_STREAMS_BATCH_MAX_AGE_MS}), then explicit overrides (the launcher's). Every key is
 * listed in {@link #KEYS} with its default and documented in the module README.
 */
public final class StreamsAppConfig {

    public static final String ENV_PREFIX = "IOT_STREAMS_";
    /** Keys with this prefix go to Kafka Streams (and its clients) without the prefix. */
    public static final String KAFKA_PREFIX = "kafka.";

    public static final ConfigKey BOOTSTRAP_SERVERS = new ConfigKey("bootstrap.servers", null, "Kafka bootstrap servers (required).");
    public static final ConfigKey SCHEMA_REGISTRY_URL = new ConfigKey("schema.registry.url", null,
            "Confluent-compatible schema registry base URL(s), comma-separated (required).");
    public static final ConfigKey REGISTRY_BASIC_AUTH = new ConfigKey("basic.auth.user.info", "",
            "user:password for the schema registry's HTTP basic auth; empty for none.");
    public static final ConfigKey APPLICATION_ID = new ConfigKey("application.id", "iot-streams",
            "Kafka Streams application id: consumer group, internal topic and state prefix.");
    public static final ConfigKey STATE_DIR = new ConfigKey("state.dir", System.getProperty("java.io.tmpdir") + "/iot-streams",
            "Directory for local state stores (deduplication window, open batches); keep it on a volume.");
    public static final ConfigKey PROCESSING_GUARANTEE = new ConfigKey("processing.guarantee", StreamsConfig.EXACTLY_ONCE_V2,
            "exactly_once_v2 (default) or at_least_once. Batch ids stay deterministic only with exactly_once_v2.");
    public static final ConfigKey THREADS = new ConfigKey("num.stream.threads", "1", "Stream threads per instance.");
    public static final ConfigKey INTERNAL_REPLICATION = new ConfigKey("replication.factor", "-1",
            "Replication factor of the app's changelog topics; -1 uses the broker default.");
    public static final ConfigKey RAW_TOPICS = new ConfigKey("topics.raw", Topics.RAW_ENV_SENSOR + "," + Topics.RAW_GPS_TRACKER,
            "Raw topics the ingest bridge writes, comma-separated.");
    public static final ConfigKey DEAD_LETTER_TOPIC = new ConfigKey("topics.deadletter", Topics.DEAD_LETTER,
            "Dead-letter topic.");
    public static final ConfigKey CREATE_TOPICS = new ConfigKey("topics.create", "true",
            "Create missing topics at start (raw, canonical, batch, dead-letter); false only verifies they exist.");
    public static final ConfigKey TOPIC_PARTITIONS = new ConfigKey("topics.partitions", "6",
            "Partitions of topics the app creates. Raw and canonical partitions bound the app's parallelism.");
    public static final ConfigKey TOPIC_REPLICATION = new ConfigKey("topics.replication.factor", "-1",
            "Replication factor of topics the app creates; -1 uses the broker default.");
    public static final ConfigKey BATCH_MAX_MESSAGE_BYTES = new ConfigKey("topics.batch.max.message.bytes", "8388608",
            "max.message.bytes of the batch topics the app creates, and the producer's max.request.size.");
    public static final ConfigKey DEDUP_WINDOW_MS = new ConfigKey("dedup.window.ms", "86400000",
            "How long a (device_id, message_id) is remembered to drop redelivered readings (default 24 h).");
    public static final ConfigKey BATCH_MAX_RECORDS = new ConfigKey("batch.max.records", Integer.toString(BatchPolicy.DEFAULT_MAX_RECORDS),
            "A batch closes when it holds this many records.");
    public static final ConfigKey BATCH_MAX_BYTES = new ConfigKey("batch.max.bytes", Long.toString(BatchPolicy.DEFAULT_MAX_BYTES),
            "A batch closes before its serialized records would exceed this many bytes (lowered to fit the batch topic's max.message.bytes).");
    public static final ConfigKey BATCH_MAX_AGE_MS = new ConfigKey("batch.max.age.ms", Long.toString(BatchPolicy.DEFAULT_MAX_AGE.toMillis()),
            "A batch closes this long (wall-clock) after its first record, so a quiet fleet still flushes.");
    public static final ConfigKey HTTP_HOST = new ConfigKey("http.host", "0.0.0.0", "Address of the health and metrics endpoint.");
    public static final ConfigKey HTTP_PORT = new ConfigKey("http.port", "8091",
            "Port of /health/live, /health/ready and /metrics (Prometheus); -1 disables it.");

    public static final List<ConfigKey> KEYS = List.of(BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL, REGISTRY_BASIC_AUTH,
            APPLICATION_ID, STATE_DIR, PROCESSING_GUARANTEE, THREADS, INTERNAL_REPLICATION, RAW_TOPICS,
            DEAD_LETTER_TOPIC, CREATE_TOPICS, TOPIC_PARTITIONS, TOPIC_REPLICATION, BATCH_MAX_MESSAGE_BYTES,
            DEDUP_WINDOW_MS, BATCH_MAX_RECORDS, BATCH_MAX_BYTES, BATCH_MAX_AGE_MS, HTTP_HOST, HTTP_PORT);

    private final LayeredConfig values;

    private StreamsAppConfig(LayeredConfig values) {
        this.values = values;
        values.require(BOOTSTRAP_SERVERS);
        values.require(SCHEMA_REGISTRY_URL);
        batchPolicy();
        dedupWindow();
    }

    /** Defaults, then {@code file} (if not null), then the environment, then {@code overrides}. */
    public static StreamsAppConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        return new StreamsAppConfig(LayeredConfig.load("streams app", ENV_PREFIX, KEYS, file, environment, overrides));
    }

    public static StreamsAppConfig of(Map<String, String> values) {
        return load(null, Map.of(), values);
    }

    public static String envName(String key) {
        return LayeredConfig.envName(ENV_PREFIX, key);
    }

    public String get(ConfigKey key) {
        return values.get(key);
    }

    private long longValue(ConfigKey key) {
        return values.longValue(key);
    }

    public int intValue(ConfigKey key) {
        return values.intValue(key);
    }

    public long batchMaxMessageBytes() {
        return longValue(BATCH_MAX_MESSAGE_BYTES);
    }

    public boolean createTopics() {
        return Boolean.parseBoolean(get(CREATE_TOPICS));
    }

    public BatchPolicy batchPolicy() {
        return new BatchPolicy(intValue(BATCH_MAX_RECORDS), longValue(BATCH_MAX_BYTES),
                Duration.ofMillis(longValue(BATCH_MAX_AGE_MS)));
    }

    public Duration dedupWindow() {
        long millis = longValue(DEDUP_WINDOW_MS);
        if (millis < 1) {
            throw new IllegalArgumentException(DEDUP_WINDOW_MS.name() + " must be at least 1 ms, got " + millis);
        }
        return Duration.ofMillis(millis);
    }

    public TopologySettings topologySettings() {
        List<String> raw = Arrays.stream(get(RAW_TOPICS).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (raw.isEmpty()) {
            throw new IllegalArgumentException(RAW_TOPICS.name() + " names no topic");
        }
        return new TopologySettings(raw, get(DEAD_LETTER_TOPIC), dedupWindow());
    }

    /** Settings for the schema registry client. */
    public Map<String, Object> registryConfig() {
        Map<String, Object> registry = new LinkedHashMap<>();
        values.withPrefix("schema.registry.").forEach((name, value) -> registry.put("schema.registry." + name, value));
        registry.put(SCHEMA_REGISTRY_URL.name(), get(SCHEMA_REGISTRY_URL));
        if (!get(REGISTRY_BASIC_AUTH).isBlank()) {
            registry.put(REGISTRY_BASIC_AUTH.name(), get(REGISTRY_BASIC_AUTH));
        }
        return registry;
    }

    /** Kafka Streams properties: the app's choices, then any {@code kafka.*} passthrough. */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, get(APPLICATION_ID));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, get(BOOTSTRAP_SERVERS));
        props.put(StreamsConfig.STATE_DIR_CONFIG, get(STATE_DIR));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, get(PROCESSING_GUARANTEE));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, get(THREADS));
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, get(INTERNAL_REPLICATION));
        props.put(StreamsConfig.producerPrefix("max.request.size"), get(BATCH_MAX_MESSAGE_BYTES));
        props.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        props.putAll(values.withPrefix(KAFKA_PREFIX));
        return props;
    }

    /** Admin client settings: bootstrap servers plus the security passthrough. */
    public Map<String, Object> adminConfig() {
        Map<String, Object> admin = new LinkedHashMap<>();
        admin.put("bootstrap.servers", get(BOOTSTRAP_SERVERS));
        values.withPrefix(KAFKA_PREFIX).forEach((name, value) -> {
            if (name.startsWith("security.") || name.startsWith("sasl.") || name.startsWith("ssl.")) {
                admin.put(name, value);
            }
        });
        return admin;
    }
}
