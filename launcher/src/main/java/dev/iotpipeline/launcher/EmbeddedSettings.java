package dev.iotpipeline.launcher;

import java.nio.file.Path;

/**
 * Where the embedded pipeline keeps its data and which ports it listens on (all on 127.0.0.1).
 *
 * @param dataDir everything the pipeline stores: Kafka logs, the registry's database, logs
 * @param kafkaPort Kafka client port (9092)
 * @param kafkaControllerPort KRaft controller port (9093)
 * @param registryPort schema registry HTTP port (8081)
 */
public record EmbeddedSettings(Path dataDir, int kafkaPort, int kafkaControllerPort, int registryPort) {

    public static final String HOST = "127.0.0.1";

    public Path kafkaDir() {
        return dataDir.resolve("kafka");
    }

    public Path registryDir() {
        return dataDir.resolve("registry");
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }
}
