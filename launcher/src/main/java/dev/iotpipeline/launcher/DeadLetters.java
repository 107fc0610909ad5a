package dev.iotpipeline.launcher;

import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The streams app's dead letters on {@link Topics#DEAD_LETTER}: read, and replayed to their raw
 * topic at most once each (a marker per letter on {@link Topics#DEAD_LETTER_REPLAYS}, written in the
 * same transaction). Used by {@code ./pipeline deadletters} and the web console.
 */
public final class DeadLetters {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** One transactional id for every replayer: two replaying at once fence each other instead of both sending a letter. */
    private static final String TRANSACTIONAL_ID = "iot-pipeline-deadletter-replay";
    private static final int TRANSACTION_SIZE = 500;
    /** The worker's error context header (errors.deadletterqueue.context.headers.enable) with the exception's message. */
    private static final String CONNECT_ERROR_MESSAGE = "__connect.errors.exception.message";

    /**
     * One dead letter as an operator sees it.
     *
     * @param id {@code partition@offset}
     * @param format {@code deviceType/version}
     * @param replayable read from a raw topic (conversion or duplicate removal), so a replay can send it back
     */
    public record Letter(String id, Instant deadLetteredAt, String deviceId, String format, String reason, String message,
                         boolean replayed, boolean replayable, Map<String, String> headers, byte[] key, byte[] payload) {
    }

    /** What a replay did: letters sent back, and matching ones skipped because they were replayed before. */
    public record Replayed(int sent, int skipped) {
    }

    private DeadLetters() {
    }

    /** Letters of one read; {@code complete} is false when older ones were left out. */
    public record Letters(List<Letter> letters, boolean complete) {
    }

    /** Every dead letter, each partition's in order. */
    public static List<Letter> read(String bootstrapServers) {
        return newest(bootstrapServers, Long.MAX_VALUE).letters();
    }

    /** The streams app's dead letters among the newest {@code offsetsPerPartition} offsets of each partition (see {@link TopicSnapshot#newest}). */
    public static Letters newest(String bootstrapServers, long offsetsPerPartition) {
        return newest(bootstrapServers, Topics.DEAD_LETTER, offsetsPerPartition);
    }

    /**
     * The dead letters of {@code topic} (the streams app's, or a sink's such as {@code iot.deadletter.warehouse}: single
     * readings it refused, as Avro JSON with the reason, or whole batches) among the newest offsets of each partition.
     */
    public static Letters newest(String bootstrapServers, String topic, long offsetsPerPartition) {
        requireDeadLetterTopic(topic);
        Set<String> replayed = topic.equals(Topics.DEAD_LETTER) ? replayed(bootstrapServers) : Set.of();
        TopicSnapshot.Window window = TopicSnapshot.newest(bootstrapServers, topic, offsetsPerPartition);
        List<Letter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : window.records()) {
            letters.add(letter(record, replayed.contains(id(record))));
        }
        return new Letters(letters, window.complete());
    }

    /** One letter by its id ({@code partition@offset} of the streams app's, {@code topic/partition@offset} of another), read alone. */
    public static Optional<Letter> one(String bootstrapServers, String id) {
        int slash = id.lastIndexOf('/');
        String topic = slash < 0 ? Topics.DEAD_LETTER : id.substring(0, slash);
        requireDeadLetterTopic(topic);
        String[] parts = id.substring(slash + 1).split("@", -1);
        int partition;
        long offset;
        try {
            partition = Integer.parseInt(parts[0]);
            offset = Long.parseLong(parts.length == 2 ? parts[1] : "x");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a letter is partition@offset, e.g. 0@42: " + id);
        }
        return TopicSnapshot.at(bootstrapServers, topic, partition, offset)
                .map(record -> letter(record, topic.equals(Topics.DEAD_LETTER) && replayed(bootstrapServers).contains(id(record))));
    }

    /** Only dead-letter topics are read through here (the console must not become a reader of any topic). */
    private static void requireDeadLetterTopic(String topic) {
        if (!topic.equals(Topics.DEAD_LETTER) && !(topic.startsWith(Topics.DEAD_LETTER + ".") && !topic.equals(Topics.DEAD_LETTER_REPLAYS))) {
            throw new IllegalArgumentException("not a dead-letter topic: " + topic);
        }
    }

    /**
     * Sends the matching letters read from a raw topic back to it, with their original key, payload
     * and headers plus {@link TelemetryHeaders#REPLAY_OF}; letters replayed before are skipped.
     */
    public static Replayed replay(String bootstrapServers, Predicate<Letter> filter) throws InterruptedException {
        ensureReplaysTopic(bootstrapServers);
        Set<String> replayed = replayed(bootstrapServers);
        List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
        int skipped = 0;
        for (ConsumerRecord<byte[], byte[]> record : TopicSnapshot.read(bootstrapServers, Topics.DEAD_LETTER)) {
            Letter letter = letter(record, replayed.contains(id(record)));
            if (!filter.test(letter) || !letter.replayable()) {
                continue;
            }
            if (letter.replayed()) {
                skipped++;
            } else {
                pending.add(record);
            }
        }
        send(bootstrapServers, pending);
        return new Replayed(pending.size(), skipped);
    }

    private static Letter letter(ConsumerRecord<byte[], byte[]> record, boolean replayed) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null : SafeText.of(header.value()));
        }
        String stage = text(record, DeadLetterHeaders.STAGE);
        boolean streams = record.topic().equals(Topics.DEAD_LETTER);
        boolean replayable = streams && text(record, DeadLetterHeaders.SOURCE_TOPIC) != null && ("convert".equals(stage) || "dedup".equals(stage));
        String deviceId = either(text(record, TelemetryHeaders.DEVICE_ID), text(record, DeadLetterHeaders.DEVICE_ID));
        String format = text(record, TelemetryHeaders.DEVICE_TYPE) != null
                ? text(record, TelemetryHeaders.DEVICE_TYPE) + "/" + text(record, TelemetryHeaders.FORMAT_VERSION)
                : text(record, DeadLetterHeaders.SOURCE_FORMAT);
        // A sink's whole refused batch carries Connect's error context instead of our reason.
        String reason = either(text(record, DeadLetterHeaders.REASON), streams ? "(none)" : "refused-batch");
        String message = either(text(record, DeadLetterHeaders.MESSAGE), text(record, CONNECT_ERROR_MESSAGE));
        return new Letter(id(record), deadLetteredAt(record), deviceId, format, reason, message, replayed, replayable, headers,
                record.key(), record.value() == null ? new byte[0] : record.value());
    }

    /** Each letter and its replay marker in one transaction, {@value #TRANSACTION_SIZE} letters a transaction. */
    private static void send(String bootstrapServers, List<ConsumerRecord<byte[], byte[]>> letters) {
        if (letters.isEmpty()) {
            return;
        }
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers, "transactional.id", TRANSACTIONAL_ID,
                "max.block.ms", (int) TIMEOUT.toMillis(), "delivery.timeout.ms", 45_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (int from = 0; from < letters.size(); from += TRANSACTION_SIZE) {
                producer.beginTransaction();
                for (ConsumerRecord<byte[], byte[]> letter : letters.subList(from, Math.min(letters.size(), from + TRANSACTION_SIZE))) {
                    RecordHeaders headers = new RecordHeaders();
                    for (Header header : letter.headers()) {
                        if (!header.key().startsWith("iot.dlq.")) {
                            headers.add(header);
                        }
                    }
                    headers.add(TelemetryHeaders.REPLAY_OF, (letter.topic() + "/" + id(letter)).getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>(text(letter, DeadLetterHeaders.SOURCE_TOPIC), null, letter.key(), letter.value(), headers));
                    producer.send(new ProducerRecord<>(Topics.DEAD_LETTER_REPLAYS, id(letter).getBytes(StandardCharsets.UTF_8),
                            Instant.now().toString().getBytes(StandardCharsets.UTF_8)));
                }
                producer.commitTransaction();
            }
        } catch (KafkaException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not take the replay (nothing of the unfinished"
                    + " transaction was replayed; run it again): " + e.getMessage(), e);
        }
    }

    private static void ensureReplaysTopic(String bootstrapServers) throws InterruptedException {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
            short replication = (short) Math.min(3, admin.describeCluster().nodes().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).size());
            admin.createTopics(List.of(new NewTopic(Topics.DEAD_LETTER_REPLAYS, 1, replication)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create " + Topics.DEAD_LETTER_REPLAYS + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + TIMEOUT.toSeconds() + " s", e);
        }
    }

    /** Ids ({@code partition@offset}) of the letters replayed so far. */
    private static Set<String> replayed(String bootstrapServers) {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> marker : TopicSnapshot.read(bootstrapServers, Topics.DEAD_LETTER_REPLAYS)) {
            if (marker.value() != null) {
                ids.add(new String(marker.key(), StandardCharsets.UTF_8));
            }
        }
        return ids;
    }

    /** When the streams app dead-lettered it (its header), else the record's own time. */
    private static Instant deadLetteredAt(ConsumerRecord<byte[], byte[]> letter) {
        String time = text(letter, DeadLetterHeaders.TIME);
        try {
            return Instant.ofEpochMilli(time == null ? letter.timestamp() : Long.parseLong(time));
        } catch (NumberFormatException e) {
            return Instant.ofEpochMilli(letter.timestamp());
        }
    }

    private static String either(String first, String second) {
        return first != null ? first : second;
    }

    /** {@code partition@offset}, prefixed with {@code topic/} for another topic than the streams app's. */
    private static String id(ConsumerRecord<?, ?> letter) {
        String id = letter.partition() + "@" + letter.offset();
        return letter.topic().equals(Topics.DEAD_LETTER) ? id : letter.topic() + "/" + id;
    }

    private static String text(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
