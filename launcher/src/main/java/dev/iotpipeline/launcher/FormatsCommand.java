package dev.iotpipeline.launcher;

import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.descriptor.DescriptorConverter;
import dev.iotpipeline.streams.convert.descriptor.DescriptorException;
import dev.iotpipeline.streams.convert.descriptor.FormatDescriptors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./pipeline formats test|add|list|show|history|withdraw}: device format versions as descriptors,
 * checked against samples, then published to a running pipeline, whose streams app instances
 * take them up without a restart.
 */
@Command(name = "formats", mixinStandardHelpOptions = true,
        description = "Device format versions as descriptors: test against samples, publish to a running pipeline, list, show, audit.",
        subcommands = {FormatsCommand.Test.class, FormatsCommand.Add.class, FormatsCommand.ListFormats.class, FormatsCommand.Show.class,
                FormatsCommand.History.class, FormatsCommand.Withdraw.class},
        footer = {"", "Examples:", "  ./pipeline formats test env-sensor-v4.yaml --samples samples/env-sensor/v4",
                "  ./pipeline formats add env-sensor-v4.yaml --samples samples/env-sensor/v4", "  ./pipeline formats list",
                "  ./pipeline formats show env-sensor/v4", "  ./pipeline formats history env-sensor/v4",
                "  ./pipeline formats withdraw env-sensor/v4"})
final class FormatsCommand {

    /** Where the samples are and the context a sample without an expected file gets. */
    static final class Samples {
        @Option(names = "--samples", paramLabel = "DIR", description = "Sample payloads: <case>.<ext> [+ <case>.expected.json],"
                + " invalid/<case>.<ext> [+ <case>.reason].")
        Path dir;

        @Option(names = "--device-id", defaultValue = "sample-device",
                description = "Device id of a sample that has no expected file (default ${DEFAULT-VALUE}).")
        String deviceId;

        @Option(names = "--received", description = "Receive time (ISO-8601) of a sample that has no expected file (default: now).")
        Instant received;
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Compiles a descriptor and converts its samples, showing each canonical record or reason; publishes nothing.",
            footer = {"", "Examples:", "  ./pipeline formats test env-sensor-v4.yaml --samples samples/env-sensor/v4"})
    static final class Test implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "The descriptor (YAML).")
        Path file;

        @Mixin
        Samples samples;

        @Override
        public Integer call() throws IOException {
            return compileAndCheck(file, samples).isPresent() ? 0 : 1;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "As 'test', then, only if the descriptor compiles and every sample comes out as expected, publishes it as"
                    + " the format's next revision; running streams app instances convert that version from then on.",
            footer = {"", "Examples:", "  ./pipeline formats add env-sensor-v4.yaml --samples samples/env-sensor/v4",
                "  ./pipeline formats add env-sensor-v4.yaml --samples samples/env-sensor/v4 --kafka kafka:9092"})
    static final class Add implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "The descriptor (YAML).")
        Path file;

        @Mixin
        Samples samples;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws Exception {
            Optional<DescriptorConverter> converter = compileAndCheck(file, samples);
            if (converter.isEmpty()) {
                System.err.println("Not published.");
                return 1;
            }
            FormatTopics topics = new FormatTopics(kafka.bootstrapServers);
            topics.ensureTopics();
            FormatTopics.Publication published = topics.publish(converter.get().sourceFormat(), Files.readString(file, StandardCharsets.UTF_8));
            System.out.printf("Published %s revision %d (sha256 %s) to %s.%n", published.format(), published.revision(),
                    published.sha256().substring(0, 12), kafka.bootstrapServers);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every format version the pipeline converts: built in, or published (with its revision).",
            footer = {"", "Examples:", "  ./pipeline formats list"})
    static final class ListFormats implements Callable<Integer> {

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            Map<String, String> rows = new TreeMap<>();
            for (FormatConverter converter : FormatDescriptors.builtIn()) {
                rows.put(converter.sourceFormat(), "built in");
            }
            new FormatTopics(kafka.bootstrapServers).current().forEach((format, publication) -> rows.put(format,
                    String.format("published: revision %d, %s by %s, sha256 %s%s", publication.revision(), publication.publishedAt(),
                            publication.publishedBy(), publication.sha256().substring(0, 12),
                            rows.containsKey(format) ? " (replaces the built-in descriptor)" : "")));
            System.out.printf("%-16s %s%n", "FORMAT", "SOURCE");
            rows.forEach((format, source) -> System.out.printf("%-16s %s%n", format, source));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Prints the descriptor in force for a format version.",
            footer = {"", "Examples:", "  ./pipeline formats show env-sensor/v3"})
    static final class Show implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FORMAT", description = "deviceType/version, e.g. env-sensor/v3.")
        String format;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws IOException {
            FormatTopics.Publication published = new FormatTopics(kafka.bootstrapServers).current().get(format);
            if (published != null) {
                System.out.printf("# %s, published revision %d, %s by %s, sha256 %s%n", format, published.revision(),
                        published.publishedAt(), published.publishedBy(), published.sha256());
                System.out.print(published.yaml());
                return 0;
            }
            String resource = FormatDescriptors.BUILT_IN + format.replace('/', '-') + ".yaml";
            try (InputStream in = FormatsCommand.class.getResourceAsStream(resource)) {
                if (in == null) {
                    System.err.println("No format " + format + ": neither built in nor published. See './pipeline formats list'.");
                    return 1;
                }
                System.out.printf("# %s, built in%n", format);
                System.out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                return 0;
            }
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Every publication of descriptors, oldest first: the audit trail.",
            footer = {"", "Examples:", "  ./pipeline formats history", "  ./pipeline formats history env-sensor/v4"})
    static final class History implements Callable<Integer> {

        @Parameters(index = "0", arity = "0..1", paramLabel = "FORMAT", description = "Only this deviceType/version.")
        String format;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            List<FormatTopics.Publication> history = new FormatTopics(kafka.bootstrapServers).history();
            System.out.printf("%-16s %-8s %-28s %-12s %s%n", "FORMAT", "REVISION", "PUBLISHED AT", "BY", "SHA256");
            for (FormatTopics.Publication publication : history) {
                if (format == null || format.equals(publication.format())) {
                    System.out.printf("%-16s %-8d %-28s %-12s %s%n", publication.format(), publication.revision(), publication.publishedAt(),
                            publication.publishedBy(), publication.withdrawn() ? "(withdrawn)" : publication.sha256());
                }
            }
            return 0;
        }
    }

    @Command(name = "withdraw", mixinStandardHelpOptions = true,
            description = "Withdraws a published descriptor (a tombstone, recorded in the history as the next revision): the format"
                    + " falls back to its built-in descriptor, or, with none, its readings become unknown-format dead letters.",
            footer = {"", "Examples:", "  ./pipeline formats withdraw env-sensor/v4"})
    static final class Withdraw implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FORMAT", description = "deviceType/version, e.g. env-sensor/v4.")
        String format;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws InterruptedException {
            FormatTopics topics = new FormatTopics(kafka.bootstrapServers);
            if (!topics.current().containsKey(format)) {
                System.err.println("No published descriptor for " + format + " (built-in descriptors cannot be withdrawn)."
                        + " See './pipeline formats list'.");
                return 1;
            }
            FormatTopics.Publication withdrawn = topics.publish(format, null);
            System.out.printf("Withdrew %s (revision %d).%n", format, withdrawn.revision());
            return 0;
        }
    }

    /** Compiles {@code file} and runs its samples; the converter if everything is as it should be. */
    private static Optional<DescriptorConverter> compileAndCheck(Path file, Samples samples) throws IOException {
        DescriptorConverter converter;
        try {
            converter = FormatDescriptors.compile(file);
        } catch (DescriptorException e) {
            System.err.println("ERROR: " + e.getMessage());
            return Optional.empty();
        }
        System.out.printf("%s compiled from %s%n", converter.sourceFormat(), file);
        if (samples == null || samples.dir == null) {
            System.out.println("No --samples given: only the descriptor itself was checked.");
            return Optional.of(converter);
        }
        List<FormatSamples.Outcome> outcomes = new FormatSamples(converter, samples.deviceId,
                samples.received != null ? samples.received : Instant.now()).check(samples.dir);
        return FormatSamples.print(outcomes, System.out) ? Optional.of(converter) : Optional.empty();
    }
}
