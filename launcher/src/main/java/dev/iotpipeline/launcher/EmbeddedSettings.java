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
 * @param batch micro-batch bounds of the streams app
 */
public record EmbeddedSettings(Path dataDir, int kafkaPort, int kafkaControllerPort, int registryPort, BatchPolicy batch) {

    public static final String HOST = "127.0.0.1";
    /** Partitions of the topics the embedded pipeline creates: enough to show parallelism on a laptop. */
    public static final int TOPIC_PARTITIONS = 3;

    public EmbeddedSettings(Path dataDir, int kafkaPort, int kafkaControllerPort, int registryPort) {
        this(dataDir, kafkaPort, kafkaControllerPort, registryPort, BatchPolicy.defaults());
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
