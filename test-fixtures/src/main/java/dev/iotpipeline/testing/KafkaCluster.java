package dev.iotpipeline.testing;

import dev.iotpipeline.embedded.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka cluster of several KRaft nodes on 127.0.0.1, each a combined broker and controller in a
 * child JVM of its own ({@link BrokerProcess}), so one node at a time can be SIGKILLed, paused and
 * restarted while the others serve. Durability is configured as in production: internal and new
 * topics with replication factor 3 (or the cluster size if smaller) and {@code min.insync.replicas}
 * one less, so a cluster of three keeps accepting {@code acks=all} writes and transactions with one
 * node down.
 */
public final class KafkaCluster implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final List<BrokerProcess> nodes;

    private KafkaCluster(List<BrokerProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Formats and starts {@code size} nodes under {@code dir}, all at once (a controller is elected
     * only once a majority of voters runs), and returns when every node serves clients.
     *
     * @param overrides broker properties as {@code key=value} for every node, applied last
     */
    public static KafkaCluster start(Path dir, int size, String... overrides) {
        int[] ports = IntStream.range(0, size).map(i -> Ports.freePort(HOST)).toArray();
        int[] controllerPorts = IntStream.range(0, size).map(i -> Ports.freePort(HOST)).toArray();
        String voters = IntStream.range(0, size).mapToObj(i -> (i + 1) + "@" + HOST + ":" + controllerPorts[i])
                .collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        int replication = Math.min(3, size);
        String minIsr = Integer.toString(Math.max(1, replication - 1));
        List<BrokerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            List<String> args = new ArrayList<>(List.of("--node-id=" + (i + 1), "--cluster-id=" + clusterId, "--voters=" + voters,
                    "default.replication.factor=" + replication, "min.insync.replicas=" + minIsr,
                    "offsets.topic.replication.factor=" + replication,
                    "transaction.state.log.replication.factor=" + replication, "transaction.state.log.min.isr=" + minIsr,
                    "share.coordinator.state.topic.replication.factor=" + replication,
                    "share.coordinator.state.topic.min.isr=" + minIsr,
                    // Fewer internal partitions than production: three JVMs share two cores.
                    "offsets.topic.num.partitions=6", "transaction.state.log.num.partitions=6",
                    "num.network.threads=2", "num.io.threads=4", "background.threads=4"));
            args.addAll(List.of(overrides));
            nodes.add(new BrokerProcess(dir.resolve("node-" + (i + 1)), ports[i], controllerPorts[i], args));
        }
        KafkaCluster cluster = new KafkaCluster(nodes);
        try {
            nodes.forEach(BrokerProcess::launch);
            nodes.forEach(BrokerProcess::awaitReady);
            cluster.awaitBrokers(size, START_TIMEOUT);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Every node's client listener, comma-separated, as clients are configured. */
    public String bootstrapServers() {
        return nodes.stream().map(BrokerProcess::bootstrapServers).collect(Collectors.joining(","));
    }

    public int size() {
        return nodes.size();
    }

    /** The node with {@code node.id} {@code id} (1-based). */
    public BrokerProcess node(int id) {
        return nodes.get(id - 1);
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** The node id that leads partition {@code partition} of {@code topic} now. */
    public int leaderOf(String topic, int partition) {
        try (Admin admin = admin()) {
            TopicDescription description = admin.describeTopics(Set.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            return description.partitions().get(partition).leader().id();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot describe " + topic + ": " + e, e);
        }
    }

    /** Restarts node {@code id} on its data directory and waits until every partition has all replicas in sync again. */
    public void restart(int id, Duration timeout) {
        node(id).start();
        awaitBrokers(size(), timeout);
        awaitFullyReplicated(timeout);
    }

    /** Waits until {@code count} brokers are registered with the controller. */
    public void awaitBrokers(int count, Duration timeout) {
        awaitCondition("brokers registered: " + count, timeout, admin -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= count);
    }

    /** Waits until no partition of any topic is under-replicated. */
    public void awaitFullyReplicated(Duration timeout) {
        awaitCondition("every partition fully replicated", timeout, admin -> {
            Set<String> topics = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                    .names().get(10, TimeUnit.SECONDS);
            for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo partition : topic.partitions()) {
                    if (partition.isr().size() < partition.replicas().size()) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    private interface AdminCheck {
        boolean holds(Admin admin) throws Exception;
    }

    private void awaitCondition(String what, Duration timeout, AdminCheck check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "not yet";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (check.holds(admin)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted waiting for " + what, e);
                } catch (Exception e) {
                    problem = e.toString();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
            }
        }
        throw new IllegalStateException("Kafka cluster: " + what + " not reached within " + timeout + " (" + problem + ")");
    }

    /** Stops every node at once: nodes stopped one after another would wait for a quorum that is gone. */
    @Override
    public void close() {
        List<Thread> stopping = nodes.stream().map(node -> new Thread(node::close, "stop " + node.bootstrapServers())).toList();
        stopping.forEach(Thread::start);
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                nodes.forEach(BrokerProcess::kill);
                return;
            }
        }
    }
}
