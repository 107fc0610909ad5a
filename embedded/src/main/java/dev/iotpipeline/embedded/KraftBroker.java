package dev.iotpipeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka node (combined broker and KRaft controller) running in this JVM, on 127.0.0.1 by
 * default, with its data in one directory: a single-node cluster by default, or one voter of a
 * multi-node cluster ({@link Quorum}). The directory is formatted on first start; later starts on
 * the same directory keep every topic, offset and transaction. Internal topics use replication
 * factor 1 unless overridden, so transactions and exactly-once work on one node.
 *
 * <p>This class is the only place that touches Kafka's internal server APIs.
 */
public final class KraftBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KraftBroker.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** How long a start waits for the coordinator to finish the transactions it was completing. */
    private static final Duration HANGING_SETTLE = Duration.ofSeconds(30);

    private final Settings settings;
    private KafkaRaftServer server;

    /**
     * Where and how the broker runs.
     *
     * @param dataDir log and metadata directory, created and formatted if new
     * @param host address both listeners bind to
     * @param port client (PLAINTEXT) listener port, 9092 in the embedded default
     * @param controllerPort KRaft controller listener port
     * @param quorum this node's place in its cluster, {@link Quorum#SINGLE} for a node alone
     * @param overrides broker properties applied last (for example {@code message.max.bytes})
     */
    public record Settings(Path dataDir, String host, int port, int controllerPort, Quorum quorum, Map<String, String> overrides) {
        public Settings {
            overrides = Map.copyOf(overrides);
        }

        public static Settings of(Path dataDir, int port, int controllerPort) {
            return new Settings(dataDir, "127.0.0.1", port, controllerPort, Quorum.SINGLE, Map.of());
        }

        public Settings withOverrides(Map<String, String> more) {
            Map<String, String> merged = new LinkedHashMap<>(overrides);
            merged.putAll(more);
            return new Settings(dataDir, host, port, controllerPort, quorum, merged);
        }

        public Settings withQuorum(Quorum member) {
            return new Settings(dataDir, host, port, controllerPort, member, overrides);
        }
    }

    /**
     * A node's place among the KRaft voters.
     *
     * @param nodeId this node's {@code node.id}
     * @param clusterId the id every node's directory is formatted with; {@code null} for a new random one
     * @param voters {@code controller.quorum.voters} ({@code id@host:port,...}); {@code null} for this node alone
     */
    public record Quorum(int nodeId, String clusterId, String voters) {
        public static final Quorum SINGLE = new Quorum(1, null, null);

        public boolean alone() {
            return voters == null;
        }
    }

    public KraftBroker(Settings settings) {
        this.settings = settings;
    }

    /**
     * Formats the data directory if it is new, starts the node and waits until it serves clients. A
     * node alone that starts on an existing directory first ends what a crash left hanging
     * ({@link #endHangingTransactions}).
     */
    public synchronized KraftBroker start(Duration timeout) {
        if (server != null) {
            throw new IllegalStateException("Kafka broker already started");
        }
        Ports.requireFree("Kafka broker", settings.host(), settings.port());
        Ports.requireFree("Kafka controller", settings.host(), settings.controllerPort());
        try {
            boolean existing = Files.exists(settings.dataDir().toAbsolutePath().resolve("meta.properties"));
            formatIfNew();
            if (existing && settings.quorum().alone()) {
                // In a cluster the coordinators of the live nodes track every transaction themselves.
                endHangingTransactions(timeout);
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties(settings.port()), false), Time.SYSTEM);
            server.startup();
            awaitReady(bootstrapServers(), timeout);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("Kafka broker ready on {} (data in {})", bootstrapServers(), settings.dataDir());
        return this;
    }

    /**
     * A node killed while a transaction was being committed can come back with that transaction's
     * records left without markers ({@link HangingTransactions}). They are ended before any client
     * can reach the node: it first runs on a client port of its own that nobody else knows, so no
     * producer starts its next transaction (and no reader reads) before the last one is settled,
     * and then stops cleanly and starts for real.
     */
    private void endHangingTransactions(Duration timeout) {
        int privatePort = Ports.freePort(settings.host());
        String privateBootstrap = settings.host() + ":" + privatePort;
        KafkaRaftServer recovery = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties(privatePort), false), Time.SYSTEM);
        try {
            recovery.startup();
            awaitReady(privateBootstrap, timeout);
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", privateBootstrap))) {
                List<HangingTransactions.Open> ended = HangingTransactions.endAll(admin,
                        new InetSocketAddress(settings.host(), privatePort), HANGING_SETTLE);
                if (!ended.isEmpty()) {
                    LOG.warn("Ended {} hanging transaction partition(s) left by an unclean stop as their coordinator decided: {}",
                            ended.size(), ended);
                }
            }
        } finally {
            recovery.shutdown();
            recovery.awaitShutdown();
        }
    }

    public String bootstrapServers() {
        return settings.host() + ":" + settings.port();
    }

    public Settings settings() {
        return settings;
    }

    /** Stops the broker and waits for its threads; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
            LOG.info("Kafka broker on {} stopped", bootstrapServers());
        } finally {
            server = null;
        }
    }

    /** The node's configuration, with its client listener on {@code port}. */
    Properties brokerProperties(int port) {
        String listenerHost = settings.host();
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        Quorum quorum = settings.quorum();
        props.put("node.id", String.valueOf(quorum.nodeId()));
        props.put("controller.quorum.voters", quorum.alone() ? quorum.nodeId() + "@" + listenerHost + ":" + settings.controllerPort()
                : quorum.voters());
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("listeners", "PLAINTEXT://" + listenerHost + ":" + port + "," + CONTROLLER_LISTENER + "://"
                + listenerHost + ":" + settings.controllerPort());
        props.put("advertised.listeners", "PLAINTEXT://" + listenerHost + ":" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", settings.dataDir().toAbsolutePath().toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "10");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "10");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Applications create their topics with the partitions and configs they need.
        props.put("auto.create.topics.enable", "false");
        props.putAll(settings.overrides());
        return props;
    }

    private void formatIfNew() {
        Path dir = settings.dataDir().toAbsolutePath();
        if (Files.exists(dir.resolve("meta.properties"))) {
            return;
        }
        try {
            Files.createDirectories(dir);
            new Formatter()
                    .setNodeId(settings.quorum().nodeId())
                    .setClusterId(settings.quorum().clusterId() != null ? settings.quorum().clusterId() : Uuid.randomUuid().toString())
                    .setDirectories(List.of(dir.toString()))
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setUnstableFeatureVersionsEnabled(false)
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .run();
            LOG.info("Formatted new Kafka data directory {}", dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create Kafka data directory " + dir, e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void awaitReady(String bootstrapServers, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                String problem;
                try {
                    if (!admin.describeCluster().nodes().get(4, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                    problem = "no broker registered yet";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
                } catch (Exception e) {
                    problem = e.getMessage();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Kafka broker on " + bootstrapServers + " not ready after "
                            + timeout.toSeconds() + " s: " + problem);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }
}
