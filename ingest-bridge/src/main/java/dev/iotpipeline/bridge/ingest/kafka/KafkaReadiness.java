package dev.iotpipeline.bridge.ingest.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka is reachable, for {@code /health/ready}: the cluster is described every few
 * seconds, so a bridge whose Kafka is gone leaves the load balancer even when no device sends.
 */
public final class KafkaReadiness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaReadiness.class);
    private static final Duration INTERVAL = Duration.ofSeconds(3);

    private final Admin admin;
    private final ScheduledExecutorService timer;
    private volatile boolean reachable;

    public KafkaReadiness(Map<String, Object> clientConfig) {
        Map<String, Object> config = new HashMap<>();
        clientConfig.forEach((key, value) -> {
            if (key.startsWith("security.") || key.startsWith("ssl.") || key.startsWith("sasl.") || key.equals("bootstrap.servers")) {
                config.put(key, value);
            }
        });
        config.put("request.timeout.ms", (int) INTERVAL.toMillis());
        config.put("default.api.timeout.ms", (int) INTERVAL.toMillis());
        config.put("client.id", clientConfig.getOrDefault("client.id", "ingest-bridge") + "-readiness");
        this.admin = Admin.create(config);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "kafka-readiness");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::probe, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        boolean before = reachable;
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) INTERVAL.toMillis())).clusterId()
                    .get(INTERVAL.toMillis() * 2, TimeUnit.MILLISECONDS);
            reachable = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reachable = false;
        } catch (Exception e) {
            reachable = false;
        }
        if (before != reachable) {
            LOG.info(reachable ? "Kafka is reachable: ready" : "Kafka is not reachable: not ready");
        }
    }

    public boolean ready() {
        return reachable;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
