package dev.iotpipeline.streams.topology;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics the app reads and writes if they are missing (or only checks that they
 * exist), and reads the batch topics' real message size limit so batches always fit.
 */
public final class TopicInitializer {

    private static final Logger LOG = LoggerFactory.getLogger(TopicInitializer.class);
    private static final Set<String> COMPACTED = Set.of(Topics.SHADOW_REPORTED, Topics.SHADOW_DESIRED, Topics.SHADOW);
    /** How long a topic may take to be known to the broker after it was created. */
    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);

    private final Admin admin;
    private final Optional<Integer> partitions;
    private final Optional<Short> replication;
    private final long batchMaxMessageBytes;
    private final long retentionMs;

    /** @param retentionMs retention.ms of the data topics it creates (raw, canonical, batch, dead letters) */
    public TopicInitializer(Admin admin, int partitions, int replication, long batchMaxMessageBytes, long retentionMs) {
        this.admin = admin;
        this.partitions = partitions > 0 ? Optional.of(partitions) : Optional.empty();
        this.replication = replication > 0 ? Optional.of((short) replication) : Optional.empty();
        this.batchMaxMessageBytes = batchMaxMessageBytes;
        this.retentionMs = retentionMs;
    }

    /** Every topic of the pipeline's processing stage. */
    public static List<String> topicsOf(TopologySettings settings) {
        List<String> topics = new ArrayList<>(settings.rawTopics());
        topics.add(settings.deadLetterTopic());
        for (MeasurementFamily family : MeasurementFamily.values()) {
            topics.add(family.canonicalTopic());
            topics.add(family.batchTopic());
        }
        topics.addAll(List.of(Topics.SHADOW_REPORTED, Topics.SHADOW_DESIRED, Topics.SHADOW, Topics.COMMANDS,
                Topics.COMMAND_STATUS));
        topics.add(settings.formatsTopic());
        return topics;
    }

    /**
     * Creates what is missing ({@code create}) or fails naming what is missing, then returns the
     * smallest {@code max.message.bytes} of the batch topics.
     */
    public long prepare(TopologySettings settings, boolean create) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<String> missing = topicsOf(settings).stream().filter(t -> !existing.contains(t)).distinct().toList();
            if (!missing.isEmpty()) {
                if (!create) {
                    throw new IllegalStateException("Missing topics " + missing + " (topics.create=false)");
                }
                create(missing, settings.formatsTopic());
            }
            return batchTopicLimit();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot prepare the topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void create(Collection<String> topics, String formatsTopic) throws InterruptedException, ExecutionException {
        List<NewTopic> newTopics = topics.stream().map(name -> {
            if (name.equals(formatsTopic)) {
                // As the launcher's 'formats add' creates it: one partition keeps every descriptor change in one order.
                return new NewTopic(name, Optional.of(1), replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            NewTopic topic = new NewTopic(name, partitions, replication);
            if (isBatchTopic(name)) {
                topic.configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(batchMaxMessageBytes),
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs)));
            } else if (COMPACTED.contains(name)) {
                // The latest state per device is what matters; compaction keeps exactly that.
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            } else if (!name.equals(Topics.COMMANDS) && !name.equals(Topics.COMMAND_STATUS)) {
                // Raw, canonical and dead-letter topics: readings wait here for the stages behind.
                topic.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs)));
            }
            return topic;
        }).toList();
        for (var entry : admin.createTopics(newTopics).values().entrySet()) {
            try {
                entry.getValue().get();
                LOG.info("Created topic {}", entry.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    private static boolean isBatchTopic(String name) {
        for (MeasurementFamily family : MeasurementFamily.values()) {
            if (family.batchTopic().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private long batchTopicLimit() throws InterruptedException, ExecutionException {
        List<ConfigResource> resources = new ArrayList<>();
        for (MeasurementFamily family : MeasurementFamily.values()) {
            resources.add(new ConfigResource(ConfigResource.Type.TOPIC, family.batchTopic()));
        }
        Map<ConfigResource, Config> configs = describeConfigs(resources);
        long limit = Long.MAX_VALUE;
        for (Config config : configs.values()) {
            var entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            if (entry != null && entry.value() != null) {
                limit = Math.min(limit, Long.parseLong(entry.value()));
            }
        }
        return Math.min(limit, batchMaxMessageBytes);
    }

    /**
     * Topic configs, waiting out the moment after a topic is created (or a broker started) when
     * the broker does not know the topic yet and answers UnknownTopicOrPartition.
     */
    private Map<ConfigResource, Config> describeConfigs(List<ConfigResource> resources) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        while (true) {
            try {
                return admin.describeConfigs(resources).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
