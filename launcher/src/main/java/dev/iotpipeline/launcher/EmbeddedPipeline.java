package dev.iotpipeline.launcher;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.embedded.ConnectWorker;
import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import dev.iotpipeline.launcher.console.ConsoleServer;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.schemas.compat.SchemaCompatibilityGate;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.StreamsApp;
import dev.iotpipeline.streams.StreamsAppConfig;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline in one process tree on 127.0.0.1: started in dependency order with progress
 * on the console, stopped in reverse order. Everything persists under the data directory, so a
 * restart on the same directory keeps topics, offsets, schemas and their ids.
 */
public final class EmbeddedPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPipeline.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    static final String WAREHOUSE_SINK = "iot-warehouse-sink";
    static final String LAKE_SINK = "iot-lake-sink";
    /** Where each sink sends what it cannot store (errors.deadletterqueue.topic.name). */
    static final List<String> SINK_DEAD_LETTER_TOPICS = List.of(Topics.DEAD_LETTER + ".warehouse", Topics.DEAD_LETTER + ".lake");

    private final EmbeddedSettings settings;
    private final PrintStream out;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private MetricsEndpoint metrics;
    private ConsoleServer console;
    private String consoleMapTiles;
    private KraftBroker broker;
    private SchemaRegistryServer registry;
    private StreamsApp streams;
    private PostgresServer warehouse;
    private ConnectWorker connect;
    private IngestBridge bridge;
    private String externalKafka;
    private final Map<String, String> bridgeOverrides = new HashMap<>();
    private final Map<String, Integer> retention = new HashMap<>();

    public EmbeddedPipeline(EmbeddedSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs against an existing Kafka cluster instead of starting a broker (its topics are created as
     * for the embedded one). Call before {@link #start()}.
     */
    public EmbeddedPipeline usingKafka(String bootstrapServers) {
        this.externalKafka = bootstrapServers;
        return this;
    }

    /** Days each store keeps ({@link RetentionOption}), on top of the sinks' defaults. Call before {@link #start()}. */
    public EmbeddedPipeline withRetention(Map<String, Integer> days) {
        retention.putAll(days);
        return this;
    }

    /** A map tile URL template for the console's map (null: the bundled coastlines). Call before {@link #start()}. */
    public EmbeddedPipeline withConsoleMapTiles(String urlTemplate) {
        this.consoleMapTiles = urlTemplate;
        return this;
    }

    /** A bridge setting on top of the embedded ones (for example a limit). Call before {@link #start()}. */
    public EmbeddedPipeline withBridgeSetting(String key, String value) {
        bridgeOverrides.put(key, value);
        return this;
    }

    /** Starts every component; on failure stops what already started and rethrows. */
    public EmbeddedPipeline start() {
        try {
            running.push(DataDirectoryLock.acquire(settings.dataDir()));
            // A pipeline killed hard (its whole process group included) leaves PostgreSQL running, which
            // lives in its own session: stop what this directory's pid files name before checking ports.
            reapOrphans(settings.dataDir()).forEach(stopped -> out.println("Stopped " + stopped));
            requirePortsFree();
            if (externalKafka == null) {
                step("Kafka broker (KRaft)", () -> {
                    broker = new KraftBroker(KraftBroker.Settings.of(settings.kafkaDir(), settings.kafkaPort(),
                            settings.kafkaControllerPort())).start(START_TIMEOUT);
                    running.push(broker);
                });
            }
            step("schema registry", () -> {
                registry = new SchemaRegistryServer(new SchemaRegistryServer.Settings(SchemaRegistryServer.locateRunnerJar(),
                        EmbeddedSettings.HOST, settings.registryPort(), Optional.of(settings.registryDir()),
                        settings.logDir().resolve("schema-registry.log"))).start(START_TIMEOUT);
                running.push(registry);
                // The registry enforces the same rule as the build's compatibility gate.
                RestSchemaRegistryClient.forUrl(registry.confluentApiUrl())
                        .setGlobalCompatibility(SchemaCompatibilityGate.DEFAULT_MODE);
            });
            step("streams app (convert, deduplicate, batch)", () -> {
                streams = startStreams();
                running.push(streams);
            });
            step("PostgreSQL (warehouse)", () -> {
                warehouse = PostgresServer.start(settings.postgresDir(), settings.postgresPort(),
                        settings.logDir().resolve("postgres.log"));
                running.push(warehouse);
            });
            step("Kafka Connect worker with the warehouse and lake sinks", () -> {
                createSinkDeadLetterTopics();
                connect = ConnectWorker.start(bootstrapServers(), settings.connectPort(), settings.connectDir());
                running.push(connect);
                Map<String, String> warehouseConfig = warehouseSinkConfig(warehouse.jdbcUrl(), registry.confluentApiUrl());
                warehouseConfig.putAll(RetentionOption.warehouseConfig(retention));
                connect.putConnector(WAREHOUSE_SINK, warehouseConfig);
                Map<String, String> lakeConfig = lakeSinkConfig(settings.lakeDir(), registry.confluentApiUrl());
                lakeConfig.putAll(RetentionOption.lakeConfig(retention));
                connect.putConnector(LAKE_SINK, lakeConfig);
            });
            // Last: devices are acknowledged only once everything behind the bridge runs.
            step("ingest bridge (MQTT, HTTP)", () -> {
                bridge = IngestBridge.start(BridgeConfig.of(bridgeConfig()));
                running.push(bridge);
            });
            metrics = MetricsEndpoint.start(EmbeddedSettings.HOST, settings.metricsPort(), List.of(
                    URI.create("http://" + EmbeddedSettings.HOST + ":" + bridge.managementPort() + "/metrics"),
                    URI.create("http://" + EmbeddedSettings.HOST + ":" + settings.streamsHttpPort() + "/metrics")));
            running.push(metrics);
            console = ConsoleServer.start(EmbeddedSettings.HOST, settings.consolePort(), new ConsoleServer.Sources(bootstrapServers(),
                    registry.confluentApiUrl(), warehouse.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD, settings.devicesFile(),
                    URI.create("http://" + EmbeddedSettings.HOST + ":" + metrics.port() + "/metrics"), null, consoleMapTiles, null,
                    SINK_DEAD_LETTER_TOPICS));
            running.push(console);
        } catch (RuntimeException | Error e) {
            // An Error too (e.g. a class built against another version): the broker's threads and the
            // registry's process would otherwise keep the JVM, and the ports, alive.
            close();
            throw e;
        }
        return this;
    }

    /**
     * Stops what a pipeline on {@code dataDir} that was killed left running: PostgreSQL (its own
     * session) and the schema registry, each only if its pid file names a live process of that kind.
     *
     * @return what was stopped, for the console
     */
    static List<String> reapOrphans(Path dataDir) {
        List<String> stopped = new ArrayList<>();
        if (PostgresServer.stopOrphan(EmbeddedSettings.postgresDir(dataDir))) {
            stopped.add("PostgreSQL left running by an earlier start that did not stop");
        }
        if (SchemaRegistryServer.stopOrphan(EmbeddedSettings.registryDir(dataDir))) {
            stopped.add("the schema registry left running by an earlier start that did not stop");
        }
        return stopped;
    }

    /** Names a taken port before anything starts, rather than after half the pipeline is up. */
    private void requirePortsFree() {
        if (externalKafka == null) {
            Ports.requireFree("Kafka broker", EmbeddedSettings.HOST, settings.kafkaPort());
            Ports.requireFree("Kafka controller", EmbeddedSettings.HOST, settings.kafkaControllerPort());
        }
        Ports.requireFree("Schema registry", EmbeddedSettings.HOST, settings.registryPort());
        Ports.requireFree("Streams app health/metrics", EmbeddedSettings.HOST, settings.streamsHttpPort());
        Ports.requireFree("PostgreSQL", EmbeddedSettings.HOST, settings.postgresPort());
        Ports.requireFree("Kafka Connect REST", EmbeddedSettings.HOST, settings.connectPort());
        Ports.requireFree("MQTT", EmbeddedSettings.HOST, settings.bridge().mqtt());
        Ports.requireFree("MQTT over TLS", EmbeddedSettings.HOST, settings.bridge().mqttTls());
        Ports.requireFree("HTTP ingest", EmbeddedSettings.HOST, settings.bridge().http());
        Ports.requireFree("HTTPS ingest", EmbeddedSettings.HOST, settings.bridge().https());
        Ports.requireFree("Bridge health/metrics", EmbeddedSettings.HOST, settings.bridge().management());
        Ports.requireFree("Metrics of every component", EmbeddedSettings.HOST, settings.metricsPort());
        Ports.requireFree("Web console", EmbeddedSettings.HOST, settings.consolePort());
    }

    private StreamsApp startStreams() {
        BatchPolicy batch = settings.batch();
        Map<String, String> config = new HashMap<>();
        config.put(StreamsAppConfig.BOOTSTRAP_SERVERS, bootstrapServers());
        config.put(StreamsAppConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        config.put(StreamsAppConfig.STATE_DIR, settings.streamsDir().toAbsolutePath().toString());
        config.put(StreamsAppConfig.TOPIC_PARTITIONS, Integer.toString(EmbeddedSettings.TOPIC_PARTITIONS));
        config.put(StreamsAppConfig.BATCH_MAX_RECORDS, Integer.toString(batch.maxRecords()));
        config.put(StreamsAppConfig.BATCH_MAX_BYTES, Long.toString(batch.maxBytes()));
        config.put(StreamsAppConfig.BATCH_MAX_AGE_MS, Long.toString(batch.maxAge().toMillis()));
        config.put(StreamsAppConfig.HTTP_HOST, EmbeddedSettings.HOST);
        config.put(StreamsAppConfig.HTTP_PORT, Integer.toString(settings.streamsHttpPort()));
        try {
            StreamsApp app = StreamsApp.start(StreamsAppConfig.of(config));
            app.awaitRunning(START_TIMEOUT);
            return app;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the streams app", e);
        }
    }

    private Map<String, String> bridgeConfig() {
        LocalCertificate.ensure(settings.tlsDir());
        EmbeddedSettings.BridgePorts ports = settings.bridge();
        Map<String, String> config = new HashMap<>();
        config.put(BridgeConfig.BOOTSTRAP_SERVERS, bootstrapServers());
        config.put(BridgeConfig.INSTANCE_ID, "embedded");
        config.put(BridgeConfig.MQTT_HOST, EmbeddedSettings.HOST);
        config.put(BridgeConfig.HTTP_HOST, EmbeddedSettings.HOST);
        config.put(BridgeConfig.MQTT_PORT, Integer.toString(ports.mqtt()));
        config.put(BridgeConfig.MQTT_TLS_PORT, Integer.toString(ports.mqttTls()));
        config.put(BridgeConfig.HTTP_PORT, Integer.toString(ports.http()));
        config.put(BridgeConfig.HTTPS_PORT, Integer.toString(ports.https()));
        config.put(BridgeConfig.MANAGEMENT_HOST, EmbeddedSettings.HOST);
        config.put(BridgeConfig.MANAGEMENT_PORT, Integer.toString(ports.management()));
        config.put(BridgeConfig.DEVICES_FILE, settings.devicesFile().toAbsolutePath().toString());
        config.put(BridgeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        config.put(BridgeConfig.TLS_CERT_FILE, settings.tlsDir().resolve(LocalCertificate.CERT).toAbsolutePath().toString());
        config.put(BridgeConfig.TLS_KEY_FILE, settings.tlsDir().resolve(LocalCertificate.KEY).toAbsolutePath().toString());
        config.putAll(bridgeOverrides);
        return config;
    }

    /** The sinks' dead-letter topics, so Connect need not create them (and log an error saying it will). */
    private void createSinkDeadLetterTopics() {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
            List<org.apache.kafka.clients.admin.NewTopic> missing = SINK_DEAD_LETTER_TOPICS.stream().filter(topic -> !existing.contains(topic))
                    .map(topic -> new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)).toList();
            admin.createTopics(missing).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Cannot create the sinks' dead-letter topics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        }
    }

    /** The warehouse sink on the batch topics, dead letters to {@code iot.deadletter.warehouse}. */
    static Map<String, String> warehouseSinkConfig(String jdbcUrl, String registryUrl) {
        Map<String, String> config = sinkConfig("dev.iotpipeline.connect.warehouse.WarehouseSinkConnector", "warehouse", registryUrl);
        config.put("connection.url", jdbcUrl);
        config.put("connection.user", PostgresServer.USER);
        config.put("connection.password", PostgresServer.PASSWORD);
        return config;
    }

    /** The lake sink on the batch topics, Parquet under {@code <data dir>/lake}, dead letters to {@code iot.deadletter.lake}. */
    static Map<String, String> lakeSinkConfig(Path lakeDir, String registryUrl) {
        Map<String, String> config = sinkConfig("dev.iotpipeline.connect.lake.LakeSinkConnector", "lake", registryUrl);
        config.put("lake.storage", "local");
        config.put("lake.local.dir", lakeDir.toAbsolutePath().toString());
        return config;
    }

    /** What both sinks share: the batch topics as bytes, the registry, retries, and dead letters to {@code iot.deadletter.<sink>}. */
    private static Map<String, String> sinkConfig(String connectorClass, String sink, String registryUrl) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", connectorClass);
        config.put("tasks.max", "1");
        config.put("topics", MeasurementFamily.ENV_READING.batchTopic() + "," + MeasurementFamily.POSITION.batchTopic());
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        config.put("schema.registry.url", registryUrl);
        config.put("retry.backoff.ms", "2000");
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", Topics.DEAD_LETTER + "." + sink);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        return config;
    }

    /** The streams app's metrics (records, dead letters, duplicates, batches). */
    public StreamsApp streams() {
        return streams;
    }

    /** Prints where everything listens, then the READY line. */
    public void printEndpoints() {
        out.println();
        out.println("Endpoints (127.0.0.1 only, for local use):");
        EmbeddedSettings.BridgePorts ports = settings.bridge();
        out.printf("  MQTT                     tcp://%s:%d   (username = device id, password = its secret)%n", EmbeddedSettings.HOST,
                bridge.mqttPort());
        out.printf("  MQTT over TLS            ssl://%s:%d   (self-signed: %s)%n", EmbeddedSettings.HOST, bridge.mqttTlsPort(),
                settings.tlsDir().resolve(LocalCertificate.CERT).toAbsolutePath());
        out.printf("  MQTT over WebSocket      ws://%s:%d/mqtt   (secure: wss://%s:%d/mqtt)%n", EmbeddedSettings.HOST, bridge.httpPort(),
                EmbeddedSettings.HOST, bridge.httpsPort());
        out.printf("  HTTP ingest              http://%s:%d/v1/telemetry/{deviceType}/{deviceId}/{version}   (/openapi.yaml)%n",
                EmbeddedSettings.HOST, bridge.httpPort());
        out.printf("  Bridge metrics           http://%s:%d/metrics   (health: /health/live, /health/ready)%n",
                EmbeddedSettings.HOST, bridge.managementPort());
        out.printf("  Devices                  %s   (./pipeline devices add|list|disable)%n", settings.devicesFile().toAbsolutePath());
        out.printf("  Kafka bootstrap servers  %s%n", bootstrapServers());
        out.printf("  Schema registry          %s   (Confluent API; schema.registry.url)%n", registry.confluentApiUrl());
        out.printf("  Streams app metrics      http://%s:%d/metrics   (health: /health/live, /health/ready)%n",
                EmbeddedSettings.HOST, settings.streamsHttpPort());
        out.printf("  Kafka Connect REST       %s%n", connect.restUrl());
        out.printf("  Metrics, every component http://%s:%d/metrics   (Prometheus: iot_bridge_*, iot_streams_*, iot_sink_*)%n",
                EmbeddedSettings.HOST, metrics.port());
        out.printf("  Web console              http://%s:%d/   (flow, dead letters, devices, map, readings)%n",
                EmbeddedSettings.HOST, console.port());
        out.printf("  Warehouse (PostgreSQL)   %s   user %s, password %s (local use only)%n", warehouse.jdbcUrl(),
                PostgresServer.USER, PostgresServer.PASSWORD);
        out.printf("  Lake (Parquet)           %s%n", settings.lakeDir().toAbsolutePath());
        out.printf("  Data directory           %s%n", settings.dataDir().toAbsolutePath());
        out.printf("  Logs                     %s%n", settings.logDir().toAbsolutePath());
        out.println();
        out.println("Query the warehouse:  " + warehouse.psqlCommand());
        out.println("                  or  ./pipeline query \"SELECT count(*) FROM iot.env_readings\"");
        out.println("Query the lake:       ./pipeline query --lake \"SELECT count(*) FROM env_readings\"");
        out.println("                  or  duckdb -c \"SELECT count(*) FROM read_parquet('"
                + settings.lakeDir().toAbsolutePath() + "/env_readings/**/*.parquet', hive_partitioning = true)\"");
        out.println();
        out.println("READY  (Ctrl-C stops everything; './pipeline up' on the same data directory resumes)");
        out.flush();
    }

    public String bootstrapServers() {
        return externalKafka != null ? externalKafka : broker.bootstrapServers();
    }

    public IngestBridge bridge() {
        return bridge;
    }

    public PostgresServer warehouse() {
        return warehouse;
    }

    public ConnectWorker connect() {
        return connect;
    }

    public String registryUrl() {
        return registry.confluentApiUrl();
    }

    /** Stops every started component, last started first. */
    @Override
    public synchronized void close() {
        while (!running.isEmpty()) {
            AutoCloseable component = running.pop();
            try {
                component.close();
            } catch (Exception e) {
                LOG.warn("Error while stopping {}: {}", component.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private void step(String name, Runnable start) {
        long started = System.nanoTime();
        out.printf("Starting %s ...%n", name);
        out.flush();
        start.run();
        out.printf("  %s up in %.1f s%n", name, (System.nanoTime() - started) / 1e9);
        out.flush();
        LOG.info("{} started", name);
    }
}
