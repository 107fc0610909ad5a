package dev.iotpipeline.streams;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.metrics.HealthServer;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.topology.TelemetryTopology;
import dev.iotpipeline.streams.topology.TopicInitializer;
import dev.iotpipeline.streams.topology.TopologySettings;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the streams app: topics prepared, topology started, health and metrics
 * served. The launcher embeds it; {@link StreamsAppMain} runs it alone.
 */
public final class StreamsApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry meters;
    private final HealthServer health;
    private final KafkaStreamsMetrics streamsMetrics;

    private StreamsApp(KafkaStreams streams, PrometheusMeterRegistry meters, HealthServer health,
                       KafkaStreamsMetrics streamsMetrics) {
        this.streams = streams;
        this.meters = meters;
        this.health = health;
        this.streamsMetrics = streamsMetrics;
    }

    /** Prepares the topics and starts processing; returns once the instance is starting. */
    public static StreamsApp start(StreamsAppConfig config) throws InterruptedException {
        TopologySettings settings = config.topologySettings();
        long topicLimit;
        try (Admin admin = Admin.create(config.adminConfig())) {
            topicLimit = new TopicInitializer(admin, config.topicPartitions(), config.topicReplication(),
                    config.batchMaxMessageBytes())
                    .prepare(settings, config.createTopics());
        }
        BatchPolicy policy = config.batchPolicy().forTopicLimit(topicLimit);
        if (policy.maxBytes() < config.batchPolicy().maxBytes()) {
            LOG.warn("batch.max.bytes lowered from {} to {} to fit the batch topics' max.message.bytes {}",
                    config.batchPolicy().maxBytes(), policy.maxBytes(), topicLimit);
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var registry = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig()));
        Topology topology = TelemetryTopology.build(settings, registry, policy, ConverterRegistry.withPlugins(),
                new StreamsMetrics(meters));
        KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties());
        streams.setUncaughtExceptionHandler(error -> {
            // A stream thread that failed would fail again on the same record: stop loudly instead of looping.
            LOG.error("Stream processing failed; stopping this instance so it does not loop or skip data", error);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> LOG.info("Streams state {} -> {}", before, now));
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        HealthServer health = null;
        try {
            if (config.httpPort() >= 0) {
                health = HealthServer.start(config.httpHost(), config.httpPort(), streams, meters);
            }
            streams.start();
        } catch (RuntimeException e) {
            streams.close(Duration.ofSeconds(10));
            if (health != null) {
                health.close();
            }
            throw e;
        }
        LOG.info("Streams app started: raw {} -> canonical and batch topics; batches of at most {} records, {} bytes, {} ms",
                settings.rawTopics(), policy.maxRecords(), policy.maxBytes(), policy.maxAge().toMillis());
        return new StreamsApp(streams, meters, health, streamsMetrics);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Blocks until the instance processes (RUNNING), or fails if it stopped or the timeout passed. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (!streams.state().isRunningOrRebalancing() && streams.state() != KafkaStreams.State.CREATED) {
                throw new IllegalStateException("The streams app stopped: " + streams.state());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The streams app is not running after " + timeout + ": " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The health endpoint's port, or -1 when disabled. */
    public int httpPort() {
        return health == null ? -1 : health.port();
    }

    @Override
    public void close() {
        // Leave the group, so a restarted or remaining instance takes the partitions over at once
        // instead of after the session timeout.
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        streamsMetrics.close();
        if (health != null) {
            health.close();
        }
    }
}
