package dev.iotpipeline.streams;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.deadletter.DeadLetterExceptionHandler;
import dev.iotpipeline.streams.formats.FormatCatalog;
import dev.iotpipeline.streams.formats.FormatInForce;
import dev.iotpipeline.streams.metrics.HealthServer;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.outage.KafkaOutage;
import dev.iotpipeline.streams.outage.RegistryOutage;
import dev.iotpipeline.streams.topology.TelemetryTopology;
import dev.iotpipeline.streams.topology.TopicInitializer;
import dev.iotpipeline.streams.topology.TopologySettings;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
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
    private final RegistryOutage outage;

    private StreamsApp(KafkaStreams streams, PrometheusMeterRegistry meters, HealthServer health,
                       KafkaStreamsMetrics streamsMetrics, RegistryOutage outage) {
        this.outage = outage;
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
                    config.batchMaxMessageBytes(), config.topicRetentionMs())
                    .prepare(settings, config.createTopics());
        }
        BatchPolicy policy = config.batchPolicy().forTopicLimit(topicLimit);
        if (policy.maxBytes() < config.batchPolicy().maxBytes()) {
            LOG.warn("batch.max.bytes lowered from {} to {} to fit the batch topics' max.message.bytes {}",
                    config.batchPolicy().maxBytes(), policy.maxBytes(), topicLimit);
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        StreamsMetrics metrics = new StreamsMetrics(meters);
        var registry = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig()));
        FormatCatalog formats = new FormatCatalog(ConverterRegistry.withPlugins());
        Topology topology = TelemetryTopology.build(settings, registry, policy, formats, metrics);
        Properties properties = config.streamsProperties();
        properties.putAll(DeadLetterExceptionHandler.properties(settings.deadLetterTopic(), metrics));
        KafkaStreams streams = new KafkaStreams(topology, properties);
        RegistryOutage outage = new RegistryOutage(registry, config.registryRetryMax());
        outage.attach(streams);
        streams.setUncaughtExceptionHandler(error -> {
            if (RegistryOutage.isCauseOf(error)) {
                // Not the data's fault: a new thread picks the work up from the last commit once the registry answers.
                outage.began(error);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            if (KafkaOutage.isCauseOf(error)) {
                // A broker crashed or failed over under an open transaction: a new thread aborts it and
                // resumes from the last commit, exactly once, instead of the instance stopping for good.
                LOG.warn("Kafka failed this stream thread's transaction ({}); replacing the thread, which resumes from the last commit",
                        error.getCause() == null ? error.toString() : error.getCause().toString());
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            // The global thread (the formats topic) cannot be replaced: Kafka Streams shuts the client down whatever
            // this answers, which is why FormatTopicProcessor never throws.
            // Every per-record failure is dead-lettered; what is left would fail again on the same record.
            LOG.error("Stream processing failed; stopping this instance so it does not loop or skip data", error);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> LOG.info("Streams state {} -> {}", before, now));
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        HealthServer health = null;
        try {
            if (config.httpPort() >= 0) {
                health = HealthServer.start(config.httpHost(), config.httpPort(), streams, outage::cause, meters,
                        () -> formats.inForce().stream().map(FormatInForce::describe).toList());
            }
            streams.start();
        } catch (RuntimeException e) {
            streams.close(Duration.ofSeconds(10));
            outage.close();
            if (health != null) {
                health.close();
            }
            throw e;
        }
        LOG.info("Streams app started: raw {} -> canonical and batch topics; batches of at most {} records, {} bytes, {} ms",
                settings.rawTopics(), policy.maxRecords(), policy.maxBytes(), policy.maxAge().toMillis());
        return new StreamsApp(streams, meters, health, streamsMetrics, outage);
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

    /** Why the instance cannot process now (the schema registry is unreachable), if it cannot. */
    public Optional<String> notReadyCause() {
        return outage.cause();
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
        outage.close();
        streamsMetrics.close();
        if (health != null) {
            health.close();
        }
    }
}
