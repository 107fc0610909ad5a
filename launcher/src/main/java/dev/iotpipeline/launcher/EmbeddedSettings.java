package dev.iotpipeline.launcher;

import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.nio.file.Path;

/**
 * Where the embedded pipeline keeps its data, which ports it listens on (all on 127.0.0.1) and
 * the settings a user tunes while trying it.
 *
 * @param dataDir everything the pipeline stores: Kafka logs, the registry's database, state, logs
 * @param kafkaPort Kafka client port (9092)
 * @param kafkaControllerPort KRaft controller port (9093)
 * @param registryPort schema registry HTTP port (8081)
 * @param postgresPort warehouse PostgreSQL port (5432)
 * @param connectPort Kafka Connect REST port (8083)
 * @param streamsHttpPort the streams app's health and metrics port (8091)
 * @param metricsPort every component's metrics at one URL, Prometheus text format (9464)
 * @param consolePort the web console (8088)
 * @param bridge the ingest bridge's ports
 * @param batch micro-batch bounds of the streams app
 */
public record EmbeddedSettings(Path dataDir, int kafkaPort, int kafkaControllerPort, int registryPort, int postgresPort,
                               int connectPort, int streamsHttpPort, int metricsPort, int consolePort, BridgePorts bridge, BatchPolicy batch) {

    /**
     * @param mqtt MQTT over TCP (1883)
     * @param mqttTls MQTT over TLS (8883)
     * @param http HTTP ingest and MQTT over WebSocket at /mqtt (8080)
     * @param https HTTPS ingest and MQTT over secure WebSocket (8443)
     * @param management health and metrics, apart from the device traffic (8090)
     */
    public record BridgePorts(int mqtt, int mqttTls, int http, int https, int management) {
    }

    public static final String HOST = "127.0.0.1";
    /** Partitions of the topics the embedded pipeline creates: enough to show parallelism on a laptop. */
    public static final int TOPIC_PARTITIONS = 3;

    /** Every port free and chosen by the system; for tests. */
    public static EmbeddedSettings onFreePorts(Path dataDir, BatchPolicy batch) {
        return new EmbeddedSettings(dataDir, free(), free(), free(), free(), free(), free(), free(), free(),
                new BridgePorts(free(), free(), free(), free(), free()), batch);
    }

    private static int free() {
        return Ports.freePort(HOST);
    }

    public Path postgresDir() {
        return postgresDir(dataDir);
    }

    /** The warehouse's data directory under {@code dataDir} (also for {@code ./pipeline down}, which has no settings). */
    static Path postgresDir(Path dataDir) {
        return dataDir.resolve("postgres");
    }

    public Path connectDir() {
        return dataDir.resolve("connect");
    }

    public Path lakeDir() {
        return dataDir.resolve("lake");
    }

    public Path kafkaDir() {
        return dataDir.resolve("kafka");
    }

    public Path registryDir() {
        return registryDir(dataDir);
    }

    static Path registryDir(Path dataDir) {
        return dataDir.resolve("registry");
    }

    public Path streamsDir() {
        return dataDir.resolve("streams");
    }

    /** The device registry the bridge reads and {@code ./pipeline devices} writes. */
    public Path devicesFile() {
        return dataDir.resolve("devices.json");
    }

    /** The bridge's TLS certificate and key, generated on first start. */
    public Path tlsDir() {
        return dataDir.resolve("tls");
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }
}
