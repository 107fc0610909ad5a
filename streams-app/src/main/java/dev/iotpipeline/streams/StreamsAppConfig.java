package dev.iotpipeline.streams;

import dev.iotpipeline.config.ConfigComponent;
import dev.iotpipeline.config.ConfigDocs;
import dev.iotpipeline.config.LayeredConfig;
import dev.iotpipeline.config.ServiceConfig;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.topology.TopologySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The streams app's settings: a properties file, then environment variables on top
 * ({@code IOT_STREAMS_} + the key upper-cased with dots and dashes as underscores, e.g.
 * {@code IOT_STREAMS_BATCH_MAX_AGE_MS}), then explicit overrides (the launcher's). Every key is
 * defined, typed and validated in {@link #COMPONENT}; {@code CONFIG.md} is generated from it.
 */
public final class StreamsAppConfig extends ServiceConfig {

    public static final String ENV_PREFIX = "IOT_STREAMS_";
    /** Keys with this prefix go to Kafka Streams (and its clients) without the prefix. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Keys with this prefix (e.g. {@code schema.registry.request.timeout.ms}) go to the registry client. */
    public static final String REGISTRY_PREFIX = "schema.registry.";

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String REGISTRY_BASIC_AUTH = "basic.auth.user.info";
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String THREADS = "num.stream.threads";
    public static final String INTERNAL_REPLICATION = "replication.factor";
    public static final String RAW_TOPICS = "topics.raw";
    public static final String DEAD_LETTER_TOPIC = "topics.deadletter";
    public static final String FORMATS_TOPIC = "topics.formats";
    public static final String CREATE_TOPICS = "topics.create";
    public static final String TOPIC_PARTITIONS = "topics.partitions";
    public static final String TOPIC_REPLICATION = "topics.replication.factor";
    public static final String BATCH_MAX_MESSAGE_BYTES = "topics.batch.max.message.bytes";
    public static final String TOPIC_RETENTION_MS = "topics.retention.ms";
    public static final String DEDUP_WINDOW_MS = "dedup.window.ms";
    public static final String EVENT_TIME_FLOOR = "event.time.floor";
    public static final String BATCH_MAX_RECORDS = "batch.max.records";
    public static final String BATCH_MAX_BYTES = "batch.max.bytes";
    public static final String BATCH_MAX_AGE_MS = "batch.max.age.ms";
    public static final String REGISTRY_RETRY_MAX_MS = "registry.retry.max.ms";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";

    private static final String KAFKA = "Kafka";
    private static final String REGISTRY = "Schema registry";
    private static final String TOPICS = "Topics";
    private static final String PROCESSING = "Processing";
    private static final String BATCHES = "Micro-batches";
    private static final String HTTP = "Health and metrics";

    /** -1 (the broker's default) or a positive count. */
    private static final ConfigDef.Validator BROKER_DEFAULT_OR_POSITIVE = ConfigDef.LambdaValidator.with((name, value) -> {
        int number = (Integer) value;
        if (number != -1 && number < 1) {
            throw new ConfigException(name, value, "must be -1 (the broker default) or at least 1");
        }
    }, () -> "-1 or [1,...]");

    private static final ConfigDef.Validator NON_EMPTY_LIST = ConfigDef.LambdaValidator.with((name, value) -> {
        List<?> list = (List<?>) value;
        if (list.isEmpty() || list.stream().anyMatch(item -> item.toString().isBlank())) {
            throw new ConfigException(name, value, "must name at least one topic, comma-separated");
        }
    }, () -> "a non-empty list");

    private static final ConfigDef.Validator INSTANT = ConfigDef.LambdaValidator.with((name, value) -> {
        try {
            Instant.parse((String) value);
        } catch (DateTimeParseException e) {
            throw new ConfigException(name, value, "must be an ISO-8601 UTC instant such as 2015-01-01T00:00:00Z");
        }
    }, () -> "an ISO-8601 instant");

    public static final ConfigComponent COMPONENT = new ConfigComponent("streams app", ENV_PREFIX, new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Kafka bootstrap servers.", KAFKA, 1, Width.LONG, "Bootstrap servers")
            .define(APPLICATION_ID, Type.STRING, "iot-streams", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams application id: consumer group, internal topic and state prefix.", KAFKA, 2, Width.MEDIUM,
                    "Application id")
            .define(PROCESSING_GUARANTEE, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                    ConfigDef.ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.MEDIUM,
                    "exactly_once_v2 or at_least_once. Batch ids stay deterministic only with exactly_once_v2.", KAFKA, 3,
                    Width.SHORT, "Processing guarantee")
            .define(THREADS, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.MEDIUM, "Stream threads per instance.",
                    KAFKA, 4, Width.SHORT, "Stream threads")
            .define(INTERNAL_REPLICATION, Type.INT, -1, BROKER_DEFAULT_OR_POSITIVE, Importance.MEDIUM,
                    "Replication factor of the app's changelog topics; -1 uses the broker default.", KAFKA, 5, Width.SHORT,
                    "Changelog replication")
            .define(STATE_DIR, Type.STRING, "", Importance.HIGH,
                    "Directory for local state stores (deduplication window, open batches); keep it on a volume. "
                            + "Empty: <java.io.tmpdir>/iot-streams.", KAFKA, 6, Width.LONG, "State directory")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Confluent-compatible schema registry base URL(s), comma-separated.", REGISTRY, 1,
                    Width.LONG, "Registry URL")
            .define(REGISTRY_BASIC_AUTH, Type.PASSWORD, "", Importance.LOW,
                    "user:password for the schema registry's HTTP basic auth; empty for none.", REGISTRY, 2, Width.MEDIUM,
                    "Registry auth")
            .define(REGISTRY_RETRY_MAX_MS, Type.LONG, 30_000L, ConfigDef.Range.atLeast(1_000), Importance.LOW,
                    "Longest wait between attempts while the registry is unreachable: processing pauses (nothing is "
                            + "dead-lettered, /health/ready answers 503 with the cause), the registry is probed with a "
                            + "backoff doubling from 1 s up to this, and processing resumes by itself.",
                    REGISTRY, 3, Width.SHORT, "Registry retry max (ms)")
            .define(RAW_TOPICS, Type.LIST, List.of(Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER), NON_EMPTY_LIST,
                    Importance.MEDIUM, "Raw topics the ingest bridge writes, comma-separated.", TOPICS, 1, Width.LONG,
                    "Raw topics")
            .define(DEAD_LETTER_TOPIC, Type.STRING, Topics.DEAD_LETTER, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Dead-letter topic.", TOPICS, 2, Width.MEDIUM, "Dead-letter topic")
            .define(FORMATS_TOPIC, Type.STRING, Topics.FORMATS, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Compacted topic of published format descriptors (key deviceType/version, value the YAML text; "
                            + "./pipeline formats add writes it). Every instance follows it while running.", TOPICS, 3,
                    Width.MEDIUM, "Formats topic")
            .define(CREATE_TOPICS, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Create missing topics at start (raw, canonical, batch, dead-letter, formats); false only verifies "
                            + "they exist.", TOPICS, 4, Width.SHORT, "Create topics")
            .define(TOPIC_PARTITIONS, Type.INT, 6, BROKER_DEFAULT_OR_POSITIVE, Importance.MEDIUM,
                    "Partitions of topics the app creates (-1: the broker default). Raw and canonical partitions bound "
                            + "the app's parallelism. The formats topic always has 1.", TOPICS, 5, Width.SHORT, "Partitions")
            .define(TOPIC_REPLICATION, Type.INT, -1, BROKER_DEFAULT_OR_POSITIVE, Importance.MEDIUM,
                    "Replication factor of topics the app creates; -1 uses the broker default.", TOPICS, 6, Width.SHORT,
                    "Replication")
            .define(BATCH_MAX_MESSAGE_BYTES, Type.INT, 8_388_608, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "max.message.bytes of the batch topics the app creates, and the producer's max.request.size.", TOPICS,
                    7, Width.SHORT, "Batch topic message bytes")
            .define(TOPIC_RETENTION_MS, Type.LONG, 604_800_000L, ConfigDef.Range.atLeast(-1), Importance.MEDIUM,
                    "retention.ms of the raw, canonical, batch and dead-letter topics the app creates (default 7 days; -1 "
                            + "keeps everything): how long a sink may be down, or dead letters wait for a replay, before Kafka "
                            + "deletes what they still need. Topics that exist keep their settings (kafka-configs.sh --alter).",
                    TOPICS, 8, Width.SHORT, "Data topic retention (ms)")
            .define(DEDUP_WINDOW_MS, Type.LONG, 86_400_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "How long a (device_id, message_id) is remembered to drop redelivered readings (default 24 h).",
                    PROCESSING, 1, Width.SHORT, "Duplicate window (ms)")
            .define(EVENT_TIME_FLOOR, Type.STRING, PhysicalLimits.DEFAULT_EVENT_TIME_FLOOR.toString(), INSTANT,
                    Importance.LOW, "Readings whose event time is before this UTC instant are dead-lettered "
                            + "(out-of-range:event_time): the mark of a device whose clock was never set. Later readings "
                            + "of any age are valid.", PROCESSING, 2, Width.MEDIUM, "Event time floor")
            .define(BATCH_MAX_RECORDS, Type.INT, BatchPolicy.DEFAULT_MAX_RECORDS, ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM, "A batch closes when it holds this many records.", BATCHES, 1, Width.SHORT,
                    "Max records")
            .define(BATCH_MAX_BYTES, Type.LONG, BatchPolicy.DEFAULT_MAX_BYTES, ConfigDef.Range.atLeast(1024),
                    Importance.MEDIUM, "A batch closes before its serialized records would exceed this many bytes "
                            + "(lowered to fit the batch topic's max.message.bytes).", BATCHES, 2, Width.SHORT, "Max bytes")
            .define(BATCH_MAX_AGE_MS, Type.LONG, BatchPolicy.DEFAULT_MAX_AGE.toMillis(), ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM, "A batch closes this long (wall-clock) after its first record, so a quiet fleet "
                            + "still flushes.", BATCHES, 3, Width.SHORT, "Max age (ms)")
            .define(HTTP_HOST, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Address of the health and metrics endpoint.", HTTP, 1, Width.MEDIUM, "Host")
            .define(HTTP_PORT, Type.INT, 8091, ConfigDef.Range.between(-1, 65535), Importance.LOW,
                    "Port of /health/live, /health/ready and /metrics (Prometheus); 0 picks a free port, -1 disables it.",
                    HTTP, 2, Width.SHORT, "Port"));

    private StreamsAppConfig(Map<String, String> values) {
        super(COMPONENT, values);
    }

    /** Defaults, then {@code file} (if not null), then the environment, then {@code overrides}. */
    public static StreamsAppConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        return new StreamsAppConfig(LayeredConfig.load(COMPONENT, file, environment, overrides));
    }

    public static StreamsAppConfig of(Map<String, String> values) {
        return load(null, Map.of(), values);
    }

    public static String envName(String key) {
        return COMPONENT.envName(key);
    }

    /** The text of {@code CONFIG.md}, generated from {@link #COMPONENT}. */
    public static String configMarkdown() {
        return ConfigDocs.markdown(COMPONENT, "Streams app configuration", """
                Generated from `StreamsAppConfig.COMPONENT` by `ConfigDocsTest` (run it with
                `-Diot.config.docs.update=true` to rewrite this file); do not edit by hand.

                Settings come from a properties file (the first argument of `StreamsAppMain`), then environment
                variables (`IOT_STREAMS_` + the key upper-cased, dots and dashes as underscores), then the
                launcher's overrides; later sources win. Every value is checked at start: a bad one stops the
                app with a message naming the key and its environment variable.

                Passthrough: keys starting with `kafka.` go to Kafka Streams and its clients without the prefix
                (e.g. `kafka.security.protocol=SASL_SSL`, or `IOT_STREAMS_KAFKA_SECURITY_PROTOCOL`); keys starting
                with `schema.registry.` go to the registry client (`schema.registry.request.timeout.ms`,
                `schema.registry.max.attempts`, `schema.registry.retry.backoff.ms`).
                """);
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public String applicationId() {
        return getString(APPLICATION_ID);
    }

    /** The state directory; {@code <java.io.tmpdir>/iot-streams} when the setting is empty. */
    public Path stateDir() {
        String dir = getString(STATE_DIR).strip();
        return dir.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir"), "iot-streams") : Path.of(dir);
    }

    public int topicPartitions() {
        return getInt(TOPIC_PARTITIONS);
    }

    public int topicReplication() {
        return getInt(TOPIC_REPLICATION);
    }

    public int internalReplication() {
        return getInt(INTERNAL_REPLICATION);
    }

    public long batchMaxMessageBytes() {
        return getInt(BATCH_MAX_MESSAGE_BYTES);
    }

    public long topicRetentionMs() {
        return getLong(TOPIC_RETENTION_MS);
    }

    public boolean createTopics() {
        return getBoolean(CREATE_TOPICS);
    }

    public String httpHost() {
        return getString(HTTP_HOST);
    }

    /** The health endpoint's port; -1 when disabled. */
    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    /** The longest wait between attempts while the schema registry is unreachable. */
    public Duration registryRetryMax() {
        return Duration.ofMillis(getLong(REGISTRY_RETRY_MAX_MS));
    }

    public BatchPolicy batchPolicy() {
        return new BatchPolicy(getInt(BATCH_MAX_RECORDS), getLong(BATCH_MAX_BYTES), Duration.ofMillis(getLong(BATCH_MAX_AGE_MS)));
    }

    public Duration dedupWindow() {
        return Duration.ofMillis(getLong(DEDUP_WINDOW_MS));
    }

    public TopologySettings topologySettings() {
        List<String> raw = getList(RAW_TOPICS).stream().map(String::strip).toList();
        return new TopologySettings(raw, getString(DEAD_LETTER_TOPIC), getString(FORMATS_TOPIC), dedupWindow(),
                Instant.parse(getString(EVENT_TIME_FLOOR)));
    }

    /** Settings for the schema registry client: every {@code schema.registry.*} key plus the basic auth. */
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

    /** Kafka Streams properties: the app's choices, then any {@code kafka.*} passthrough. */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir().toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, getString(PROCESSING_GUARANTEE));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(getInt(THREADS)));
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Integer.toString(internalReplication()));
        props.put(StreamsConfig.producerPrefix("max.request.size"), Long.toString(batchMaxMessageBytes()));
        props.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // The formats topic is written in transactions: an aborted publication must never be put in force,
        // whatever the processing guarantee (exactly_once_v2 implies this; at_least_once would not).
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        // A task's input topics need no timestamp alignment (env and gps readings are independent; a shadow merges
        // its reported and desired states each in its own order), so a task never waits for an empty partition.
        // Waiting also costs: Kafka 4.3 formats a log message per record for each empty partition of the task.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        props.putAll(passthrough(KAFKA_PREFIX));
        return props;
    }

    /** Admin client settings: bootstrap servers plus the security passthrough. */
    public Map<String, Object> adminConfig() {
        Map<String, Object> admin = new LinkedHashMap<>();
        admin.put(BOOTSTRAP_SERVERS, bootstrapServers());
        passthrough(KAFKA_PREFIX).forEach((name, value) -> {
            if (name.startsWith("security.") || name.startsWith("sasl.") || name.startsWith("ssl.")) {
                admin.put(name, value);
            }
        });
        return admin;
    }
}
