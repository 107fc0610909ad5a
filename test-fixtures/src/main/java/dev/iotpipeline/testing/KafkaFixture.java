package dev.iotpipeline.testing;

import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real single-node Kafka cluster (the same {@link KraftBroker} the embedded default runs)
 * once per test class, and, when asked, the real schema registry once per test run.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaFixture kafka = KafkaFixture.withRegistry();
 * }</pre>
 *
 * A part that cannot start fails the test class; nothing is skipped.
 */
public final class KafkaFixture implements BeforeAllCallback, AfterAllCallback {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final boolean registry;
    private final Map<String, String> brokerOverrides = new HashMap<>();
    private Path dataDir;
    private KraftBroker broker;
    private KraftBroker.Settings brokerSettings;

    private KafkaFixture(boolean registry) {
        this.registry = registry;
    }

    /** A broker only. */
    public static KafkaFixture broker() {
        return new KafkaFixture(false);
    }

    /** A broker and the schema registry. */
    public static KafkaFixture withRegistry() {
        return new KafkaFixture(true);
    }

    /** A broker property for this class's broker (applied at start). */
    public KafkaFixture withBrokerProperty(String key, String value) {
        brokerOverrides.put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("kafka-fixture-");
        brokerSettings = KraftBroker.Settings.of(dataDir.resolve("kafka"), Ports.freePort(HOST), Ports.freePort(HOST))
                .withOverrides(brokerOverrides);
        broker = new KraftBroker(brokerSettings).start(START_TIMEOUT);
        if (registry) {
            RegistryHolder.get(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopBroker();
        deleteRecursively(dataDir);
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The Confluent API base URL of the registry, for {@code schema.registry.url}. */
    public String registryUrl() {
        if (!registry) {
            throw new IllegalStateException("This fixture has no registry: use KafkaFixture.withRegistry()");
        }
        return RegistryHolder.server.confluentApiUrl();
    }

    /** Stops the broker as a crash would leave it for a restart: the data directory stays. */
    public void stopBroker() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** Starts the broker again on the same data directory and ports. */
    public void restartBroker() {
        stopBroker();
        broker = new KraftBroker(brokerSettings).start(START_TIMEOUT);
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Creates topics with the given partition count and replication factor 1. */
    public void createTopics(int partitions, String... topics) {
        try (Admin admin = admin()) {
            admin.createTopics(Stream.of(topics).map(t -> new NewTopic(t, partitions, (short) 1)).toList()).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot create topics " + List.of(topics) + ": " + e.getCause(), e.getCause());
        }
    }

    /** Producer settings: idempotent, acks=all. */
    public Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    /** Consumer settings: read_committed, from the earliest offset, no auto commit. */
    public Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One registry per test run, in memory, stopped when the run ends. */
    private static final class RegistryHolder implements AutoCloseable {
        private static SchemaRegistryServer server;

        static synchronized void get(ExtensionContext context) {
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent(RegistryHolder.class, k -> start(), RegistryHolder.class);
        }

        private static RegistryHolder start() {
            try {
                Path logDir = Files.createDirectories(Path.of("target"));
                server = new SchemaRegistryServer(new SchemaRegistryServer.Settings(
                        SchemaRegistryServer.locateRunnerJar(), HOST, Ports.freePort(HOST), java.util.Optional.empty(),
                        logDir.resolve("schema-registry.log"))).start(START_TIMEOUT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new RegistryHolder();
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
