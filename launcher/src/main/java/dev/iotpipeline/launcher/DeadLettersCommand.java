package dev.iotpipeline.launcher;

import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
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
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./pipeline deadletters list|show|replay}: the streams app's dead letters, and sending those
 * whose cause has been fixed (a format descriptor published, a device provisioned late) back to
 * their raw topic, each at most once.
 */
@Command(name = "deadletters", mixinStandardHelpOptions = true,
        description = "The streams app's dead letters: list them, replay those whose cause is fixed.",
        subcommands = {DeadLettersCommand.ListLetters.class, DeadLettersCommand.Show.class, DeadLettersCommand.Replay.class},
        footer = {"", "Examples:", "  ./pipeline deadletters list --reason unknown-format --since 2026-12-02T10:00:00Z",
                "  ./pipeline deadletters show 0@42",
                "  ./pipeline deadletters replay --reason unknown-format --format env-sensor/v4"})
final class DeadLettersCommand {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** One transactional id for every replayer: two replaying at once fence each other instead of both sending a letter. */
    private static final String TRANSACTIONAL_ID = "iot-pipeline-deadletter-replay";
    private static final int TRANSACTION_SIZE = 500;

    /** Which letters. */
    static final class Filters {
        @Option(names = "--reason", description = "Only this reason code, e.g. unknown-format.")
        String reason;

        @Option(names = "--device", description = "Only this device id.")
        String deviceId;

        @Option(names = "--format", description = "Only this deviceType/version, e.g. env-sensor/v4.")
        String format;

        @Option(names = "--since", description = "Only letters dead-lettered at or after this ISO-8601 instant, e.g. 2026-12-02T10:00:00Z.")
        Instant since;

        boolean matches(ConsumerRecord<byte[], byte[]> letter) {
            return (reason == null || reason.equals(text(letter, DeadLetterHeaders.REASON)))
                    && (deviceId == null || deviceId.equals(text(letter, TelemetryHeaders.DEVICE_ID)))
                    && (format == null || format.equals(text(letter, TelemetryHeaders.DEVICE_TYPE) + "/"
                            + text(letter, TelemetryHeaders.FORMAT_VERSION)))
                    && (since == null || !deadLetteredAt(letter).isBefore(since));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per dead letter: where, when, device, format, reason.",
            footer = {"", "Examples:", "  ./pipeline deadletters list", "  ./pipeline deadletters list --reason bad-crc --device env-0001",
                "  ./pipeline deadletters list --since 2026-12-02T10:00:00Z"})
    static final class ListLetters implements Callable<Integer> {

        @Mixin
        Filters filters;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            Set<String> replayed = replayed(kafka.bootstrapServers);
            System.out.printf("%-12s %-24s %-16s %-16s %-28s %s%n", "LETTER", "DEAD-LETTERED AT", "DEVICE", "FORMAT", "REASON", "REPLAYED");
            int count = 0;
            for (ConsumerRecord<byte[], byte[]> letter : TopicSnapshot.read(kafka.bootstrapServers, Topics.DEAD_LETTER)) {
                if (filters.matches(letter)) {
                    count++;
                    System.out.printf("%-12s %-24s %-16s %-16s %-28s %s%n", id(letter), deadLetteredAt(letter),
                            text(letter, TelemetryHeaders.DEVICE_ID),
                            text(letter, TelemetryHeaders.DEVICE_TYPE) + "/" + text(letter, TelemetryHeaders.FORMAT_VERSION),
                            text(letter, DeadLetterHeaders.REASON), replayed.contains(id(letter)) ? "yes" : "");
                }
            }
            System.out.printf("%d dead letters%n", count);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One dead letter whole: its headers, reason and message, and the original payload as text if it is"
                    + " printable UTF-8, else as hex (control characters are escaped either way).",
            footer = {"", "Examples:", "  ./pipeline deadletters show 0@42"})
    static final class Show implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "LETTER", description = "partition@offset, as 'list' prints it.")
        String letterId;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            for (ConsumerRecord<byte[], byte[]> letter : TopicSnapshot.read(kafka.bootstrapServers, Topics.DEAD_LETTER)) {
                if (id(letter).equals(letterId)) {
                    System.out.printf("letter      %s/%s, dead-lettered at %s%n", letter.topic(), id(letter), deadLetteredAt(letter));
                    System.out.printf("reason      %s%n", text(letter, DeadLetterHeaders.REASON));
                    System.out.printf("message     %s%n", SafeText.of(text(letter, DeadLetterHeaders.MESSAGE)));
                    System.out.printf("key         %s%n", letter.key() == null ? "(none)" : SafeText.of(letter.key()));
                    System.out.println("headers");
                    for (Header header : letter.headers()) {
                        System.out.printf("  %-28s %s%n", header.key(), header.value() == null ? "(null)" : SafeText.of(header.value()));
                    }
                    byte[] payload = letter.value() == null ? new byte[0] : letter.value();
                    System.out.printf("payload     %d bytes%n", payload.length);
                    System.out.print(SafeText.payload(payload));
                    return 0;
                }
            }
            System.err.println("No dead letter " + letterId + " in " + Topics.DEAD_LETTER + " (see './pipeline deadletters list').");
            return 1;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Sends the matching dead letters read from a raw topic back to it, with their original key, payload and"
                    + " headers plus " + TelemetryHeaders.REPLAY_OF + "; a letter already replayed is skipped, so replaying twice"
                    + " stores nothing twice. A replayed reading that fails again becomes a new dead letter.",
            footer = {"", "Examples:", "  ./pipeline deadletters replay --reason unknown-format --format env-sensor/v4",
                "  ./pipeline deadletters replay --reason device-unknown --device env-0042"})
    static final class Replay implements Callable<Integer> {

        @Mixin
        Filters filters;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws InterruptedException {
            ensureReplaysTopic(kafka.bootstrapServers);
            Set<String> replayed = replayed(kafka.bootstrapServers);
            List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
            int skipped = 0;
            for (ConsumerRecord<byte[], byte[]> letter : TopicSnapshot.read(kafka.bootstrapServers, Topics.DEAD_LETTER)) {
                if (!filters.matches(letter) || text(letter, DeadLetterHeaders.SOURCE_TOPIC) == null || !fromRawReading(letter)) {
                    continue;
                }
                if (replayed.contains(id(letter))) {
                    skipped++;
                } else {
                    pending.add(letter);
                }
            }
            send(kafka.bootstrapServers, pending);
            System.out.printf("Replayed %d dead letters; %d matching ones were replayed before and skipped.%n", pending.size(), skipped);
            return 0;
        }
    }

    /** Letters of a raw reading: from conversion or duplicate removal, not from a later stage's input. */
    private static boolean fromRawReading(ConsumerRecord<byte[], byte[]> letter) {
        String stage = text(letter, DeadLetterHeaders.STAGE);
        return "convert".equals(stage) || "dedup".equals(stage);
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

    private static String id(ConsumerRecord<?, ?> letter) {
        return letter.partition() + "@" + letter.offset();
    }

    private static String text(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
