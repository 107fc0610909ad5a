package dev.iotpipeline.launcher;

import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
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

        boolean matches(DeadLetters.Letter letter) {
            return (reason == null || reason.equals(letter.reason()))
                    && (deviceId == null || deviceId.equals(letter.deviceId()))
                    && (format == null || format.equals(letter.format()))
                    && (since == null || !letter.deadLetteredAt().isBefore(since));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per dead letter: where, when, device, format, reason.",
            footer = {"", "Examples:", "  ./pipeline deadletters list", "  ./pipeline deadletters list --reason bad-crc --device env-0001",
                "  ./pipeline deadletters list --since 2026-12-02T10:00:00Z",
                "  ./pipeline deadletters list --topic iot.deadletter.warehouse --reason expired"})
    static final class ListLetters implements Callable<Integer> {

        @Option(names = "--topic", defaultValue = Topics.DEAD_LETTER, description = "Which dead letters: the streams app's (default"
                + " ${DEFAULT-VALUE}) or a sink's, e.g. iot.deadletter.warehouse (readings it refused, with the reason).")
        String topic;

        @Mixin
        Filters filters;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            System.out.printf("%-12s %-24s %-16s %-16s %-28s %s%n", "LETTER", "DEAD-LETTERED AT", "DEVICE", "FORMAT", "REASON", "REPLAYED");
            int count = 0;
            List<DeadLetters.Letter> letters;
            try {
                letters = DeadLetters.newest(kafka.bootstrapServers, topic, Long.MAX_VALUE).letters();
            } catch (IllegalArgumentException e) {
                System.err.println("ERROR: " + e.getMessage() + " (--topic takes iot.deadletter or a sink's, e.g. iot.deadletter.warehouse)");
                return 2;
            }
            for (DeadLetters.Letter letter : letters) {
                if (filters.matches(letter)) {
                    count++;
                    System.out.printf("%-12s %-24s %-16s %-16s %-28s %s%n", letter.id(), letter.deadLetteredAt(), letter.deviceId(),
                            letter.format(), letter.reason(), letter.replayed() ? "yes" : "");
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
            DeadLetters.Letter letter;
            try {
                letter = DeadLetters.one(kafka.bootstrapServers, letterId).orElse(null);
            } catch (IllegalArgumentException e) {
                System.err.println("ERROR: " + e.getMessage());
                return 2;
            }
            if (letter != null) {
                System.out.printf("letter      %s/%s, dead-lettered at %s%n", Topics.DEAD_LETTER, letter.id(), letter.deadLetteredAt());
                System.out.printf("reason      %s%n", letter.reason());
                System.out.printf("message     %s%n", SafeText.of(letter.message()));
                System.out.printf("key         %s%n", letter.key() == null ? "(none)" : SafeText.of(letter.key()));
                System.out.println("headers");
                letter.headers().forEach((key, value) -> System.out.printf("  %-28s %s%n", key, value == null ? "(null)" : value));
                System.out.printf("payload     %d bytes%n", letter.payload().length);
                System.out.print(SafeText.payload(letter.payload()));
                return 0;
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
            DeadLetters.Replayed result = DeadLetters.replay(kafka.bootstrapServers, filters::matches);
            System.out.printf("Replayed %d dead letters; %d matching ones were replayed before and skipped.%n", result.sent(), result.skipped());
            return 0;
        }
    }
}
