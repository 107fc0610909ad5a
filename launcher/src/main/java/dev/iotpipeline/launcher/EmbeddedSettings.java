package dev.iotpipeline.launcher;

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
 * @param batch micro-batch bounds of the streams app
 */
public record EmbeddedSettings(Path dataDir, int kafkaPort, int kafkaControllerPort, int registryPort, int postgresPort,
                               int connectPort, int streamsHttpPort, BatchPolicy batch) {

    public static final String HOST = "127.0.0.1";
    /** Partitions of the topics the embedded pipeline creates: enough to show parallelism on a laptop. */
    public static final int TOPIC_PARTITIONS = 3;

    /** Every port free and chosen by the system; for tests. */
    public static EmbeddedSettings onFreePorts(Path dataDir, BatchPolicy batch) {
        return new EmbeddedSettings(dataDir, free(), free(), free(), free(), free(), free(), batch);
    }

    private static int free() {
        return dev.iotpipeline.embedded.Ports.freePort(HOST);
    }

    public Path postgresDir() {
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
        return dataDir.resolve("registry");
    }

    public Path streamsDir() {
        return dataDir.resolve("streams");
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }
}
