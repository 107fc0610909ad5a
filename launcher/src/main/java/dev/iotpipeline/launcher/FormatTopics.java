package dev.iotpipeline.launcher;

import dev.iotpipeline.schemas.contract.FormatHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The format descriptors published to a running pipeline: {@link Topics#FORMATS} (compacted, the
 * descriptors in force, which the streams app follows) and {@link Topics#FORMATS_HISTORY} (every
 * publication and withdrawal, the audit trail). Both are written in one Kafka transaction, so
 * neither ever has a record the other lacks.
 */
final class FormatTopics {

    /** One publication (or, with no text, a withdrawal) of a format's descriptor. */
    record Publication(String format, String yaml, int revision, String sha256, String publishedBy, Instant publishedAt) {
        boolean withdrawn() {
            return yaml == null;
        }
    }

    /** One transactional id for every publisher: two publishing at once fence each other instead of interleaving. */
    private static final String TRANSACTIONAL_ID = "iot-pipeline-formats";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;

    FormatTopics(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** Creates both topics if they are not there yet (a pipeline started before formats could be published). */
    void ensureTopics() throws InterruptedException {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
            short replication = (short) Math.min(3, admin.describeCluster().nodes().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).size());
            List<NewTopic> topics = List.of(
                    new NewTopic(Topics.FORMATS, 1, replication).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                            TopicConfig.CLEANUP_POLICY_COMPACT)),
                    new NewTopic(Topics.FORMATS_HISTORY, 1, replication).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")));
            for (var result : admin.createTopics(topics).values().values()) {
                try {
                    result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create the formats topics at " + bootstrapServers + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer: " + e.getMessage(), e);
        }
    }

    /** The descriptors in force, by format, as the streams app sees them. */
    Map<String, Publication> current() {
        Map<String, Publication> current = new TreeMap<>();
        for (Publication publication : read(Topics.FORMATS)) {
            if (publication.withdrawn()) {
                current.remove(publication.format());
            } else {
                current.put(publication.format(), publication);
            }
        }
        return current;
    }

    /** Every publication and withdrawal, oldest first. */
    List<Publication> history() {
        return read(Topics.FORMATS_HISTORY);
    }

    /**
     * Publishes {@code yaml} as {@code format}'s descriptor ({@code null}: withdraws it), as the next
     * revision of that format, and returns what was written once Kafka has committed it.
     */
    Publication publish(String format, String yaml) throws InterruptedException {
        int revision = history().stream().filter(p -> p.format().equals(format)).mapToInt(Publication::revision).max().orElse(0) + 1;
        Publication publication = new Publication(format, yaml, revision, yaml == null ? null : sha256(yaml),
                System.getProperty("user.name", "unknown"), Instant.now());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put("transactional.id", TRANSACTIONAL_ID);
        config.put("max.block.ms", (int) TIMEOUT.toMillis());
        config.put("delivery.timeout.ms", 45_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            byte[] value = yaml == null ? null : yaml.getBytes(StandardCharsets.UTF_8);
            producer.send(withHeaders(new ProducerRecord<>(Topics.FORMATS, format, value), publication));
            producer.send(withHeaders(new ProducerRecord<>(Topics.FORMATS_HISTORY, format, value), publication));
            producer.commitTransaction();
        } catch (KafkaException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not take the descriptor: " + e.getMessage(), e);
        }
        return publication;
    }

    private static ProducerRecord<String, byte[]> withHeaders(ProducerRecord<String, byte[]> record, Publication publication) {
        Headers headers = record.headers();
        headers.add(FormatHeaders.REVISION, Integer.toString(publication.revision()).getBytes(StandardCharsets.UTF_8));
        if (publication.sha256() != null) {
            headers.add(FormatHeaders.SHA256, publication.sha256().getBytes(StandardCharsets.UTF_8));
        }
        headers.add(FormatHeaders.PUBLISHED_BY, publication.publishedBy().getBytes(StandardCharsets.UTF_8));
        headers.add(FormatHeaders.PUBLISHED_AT, publication.publishedAt().toString().getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** Every committed record of {@code topic}, oldest first; none if the topic does not exist. */
    private List<Publication> read(String topic) {
        List<Publication> publications = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicSnapshot.read(bootstrapServers, topic)) {
            publications.add(new Publication(new String(record.key(), StandardCharsets.UTF_8),
                    record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8),
                    Integer.parseInt(header(record, FormatHeaders.REVISION, "0")), header(record, FormatHeaders.SHA256, null),
                    header(record, FormatHeaders.PUBLISHED_BY, "unknown"),
                    Instant.parse(header(record, FormatHeaders.PUBLISHED_AT, Instant.ofEpochMilli(record.timestamp()).toString()))));
        }
        return publications;
    }

    private static String header(ConsumerRecord<?, ?> record, String name, String fallback) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? fallback : new String(header.value(), StandardCharsets.UTF_8);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
