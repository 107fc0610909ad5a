package dev.iotpipeline.launcher;

import dev.iotpipeline.streams.batch.BatchPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pipeline up}: starts everything and runs until Ctrl-C or SIGTERM. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Starts the whole pipeline on 127.0.0.1 and runs until Ctrl-C (SIGTERM).",
        footer = {"", "Examples:", "  ./pipeline up", "  ./pipeline up --batch-max-age-ms 5000",
            "  ./pipeline up --data-dir /srv/iot-data --kafka-port 19092", "  ./pipeline up --retention env_readings=730,lake=0"})
final class UpCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "${env:IOT_DATA_DIR:-data}",
            description = "Directory for all data and logs (env IOT_DATA_DIR, default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "${env:IOT_KAFKA_PORT:-9092}",
            description = "Kafka client port (env IOT_KAFKA_PORT, default ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--kafka-bootstrap-servers", defaultValue = "${env:IOT_KAFKA_BOOTSTRAP_SERVERS:-}",
            description = "Use this existing Kafka cluster instead of starting a broker (env IOT_KAFKA_BOOTSTRAP_SERVERS).")
    String kafkaBootstrapServers;

    @Option(names = "--kafka-controller-port", defaultValue = "${env:IOT_KAFKA_CONTROLLER_PORT:-9093}",
            description = "Kafka KRaft controller port (env IOT_KAFKA_CONTROLLER_PORT, default ${DEFAULT-VALUE}).")
    int kafkaControllerPort;

    @Option(names = "--registry-port", defaultValue = "${env:IOT_REGISTRY_PORT:-8081}",
            description = "Schema registry port (env IOT_REGISTRY_PORT, default ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--postgres-port", defaultValue = "${env:IOT_POSTGRES_PORT:-5432}",
            description = "Warehouse PostgreSQL port (env IOT_POSTGRES_PORT, default ${DEFAULT-VALUE}).")
    int postgresPort;

    @Option(names = "--connect-port", defaultValue = "${env:IOT_CONNECT_PORT:-8083}",
            description = "Kafka Connect REST port (env IOT_CONNECT_PORT, default ${DEFAULT-VALUE}).")
    int connectPort;

    @Option(names = "--streams-http-port", defaultValue = "${env:IOT_STREAMS_HTTP_PORT:-8091}",
            description = "Streams app health and metrics port (env IOT_STREAMS_HTTP_PORT, default ${DEFAULT-VALUE}).")
    int streamsHttpPort;

    @Option(names = "--metrics-port", defaultValue = "${env:IOT_METRICS_PORT:-9464}",
            description = "Every component's metrics at one URL, /metrics in the Prometheus format (env IOT_METRICS_PORT, "
                    + "default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--console-port", defaultValue = "${env:IOT_CONSOLE_PORT:-8088}",
            description = "The web console: flow, dead letters, devices, map, readings (env IOT_CONSOLE_PORT, default ${DEFAULT-VALUE}).")
    int consolePort;

    @Option(names = "--console-map-tiles", defaultValue = "${env:IOT_CONSOLE_MAP_TILES:-}", paramLabel = "URL",
            description = "A map tile URL template for the console's map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (the"
                    + " browser fetches tiles from there; env IOT_CONSOLE_MAP_TILES). Default: the coastlines bundled in the console.")
    String consoleMapTiles;

    @Option(names = "--mqtt-port", defaultValue = "${env:IOT_MQTT_PORT:-1883}",
            description = "MQTT over TCP port (env IOT_MQTT_PORT, default ${DEFAULT-VALUE}).")
    int mqttPort;

    @Option(names = "--mqtt-tls-port", defaultValue = "${env:IOT_MQTT_TLS_PORT:-8883}",
            description = "MQTT over TLS port (env IOT_MQTT_TLS_PORT, default ${DEFAULT-VALUE}).")
    int mqttTlsPort;

    @Option(names = "--http-port", defaultValue = "${env:IOT_HTTP_PORT:-8080}",
            description = "HTTP ingest and MQTT over WebSocket (/mqtt) port (env IOT_HTTP_PORT, default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--https-port", defaultValue = "${env:IOT_HTTPS_PORT:-8443}",
            description = "HTTPS ingest and MQTT over secure WebSocket port (env IOT_HTTPS_PORT, default ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--bridge-management-port", defaultValue = "${env:IOT_BRIDGE_MANAGEMENT_PORT:-8090}",
            description = "Ingest bridge health and metrics port (env IOT_BRIDGE_MANAGEMENT_PORT, default ${DEFAULT-VALUE}).")
    int bridgeManagementPort;

    @Option(names = "--batch-max-age-ms", defaultValue = "${env:IOT_BATCH_MAX_AGE_MS:-60000}",
            description = "A micro-batch closes this long after its first record (env IOT_BATCH_MAX_AGE_MS, default ${DEFAULT-VALUE}).")
    long batchMaxAgeMs;

    @Option(names = "--batch-max-records", defaultValue = "${env:IOT_BATCH_MAX_RECORDS:-10000}",
            description = "A micro-batch closes at this many records (env IOT_BATCH_MAX_RECORDS, default ${DEFAULT-VALUE}).")
    int batchMaxRecords;

    @Option(names = "--batch-max-bytes", defaultValue = "${env:IOT_BATCH_MAX_BYTES:-5242880}",
            description = "A micro-batch closes before its records exceed this many bytes (env IOT_BATCH_MAX_BYTES, default ${DEFAULT-VALUE}).")
    long batchMaxBytes;

    @Option(names = "--retention", split = ",", defaultValue = "${env:IOT_RETENTION:-}",
            description = "Days a store keeps, by event time, as TABLE=DAYS (repeat or comma-separate): env_readings, "
                    + "positions (default 400, whole months), env_readings_1m (90), env_readings_1h, positions_1h (0: forever), "
                    + "lake (0, whole days). Older late readings are dead-lettered as expired (env IOT_RETENTION).")
    List<String> retention = new ArrayList<>();

    @Option(names = "--log-level", defaultValue = "${env:IOT_LOG_LEVEL:-INFO}",
            description = "Log level of the pipeline's own components: ERROR, WARN, INFO, DEBUG, TRACE "
                    + "(env IOT_LOG_LEVEL, default ${DEFAULT-VALUE}).")
    String logLevel;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedSettings settings;
        Map<String, Integer> retentionDays;
        try {
            retentionDays = RetentionOption.parse(retention);
            settings = new EmbeddedSettings(dataDir, kafkaPort, kafkaControllerPort, registryPort, postgresPort, connectPort, streamsHttpPort, metricsPort, consolePort,
                    new EmbeddedSettings.BridgePorts(mqttPort, mqttTlsPort, httpPort, httpsPort, bridgeManagementPort), new BatchPolicy(batchMaxRecords, batchMaxBytes, Duration.ofMillis(batchMaxAgeMs)));
        } catch (IllegalArgumentException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 2;
        }
        // Logging reads these when it first starts, which is after this point.
        System.setProperty("iot.log.dir", settings.logDir().toAbsolutePath().toString());
        System.setProperty("iot.log.level", logLevel);

        EmbeddedPipeline pipeline;
        try {
            pipeline = new EmbeddedPipeline(settings, System.out).withRetention(retentionDays)
                    .withConsoleMapTiles(consoleMapTiles.isBlank() ? null : consoleMapTiles.strip());
            if (!kafkaBootstrapServers.isBlank()) {
                pipeline.usingKafka(kafkaBootstrapServers.strip());
            }
            pipeline.start();
        } catch (RuntimeException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping ...");
            pipeline.close();
            System.out.println("Stopped.");
            stopped.countDown();
        }, "pipeline-stop"));
        pipeline.printEndpoints();
        stopped.await();
        return 0;
    }
}
