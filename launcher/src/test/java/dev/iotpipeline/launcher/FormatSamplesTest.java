package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code formats test} and {@code formats add} on the streams-app walkthrough's env-sensor v4
 * descriptor and samples: a sample that does not come out as its files say fails the check, and
 * {@code add} then publishes nothing (it never reaches Kafka: the address below has no broker).
 */
class FormatSamplesTest {

    private static final Path WALKTHROUGH = Path.of("..", "streams-app", "src", "test", "resources", "descriptors")
            .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path samples;

    @BeforeEach
    void copySamples() throws Exception {
        samples = dir.resolve("v4");
        Path from = WALKTHROUGH.resolve("env-sensor/v4");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path to = samples.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to);
                }
            }
        }
    }

    @Test
    void theWalkthroughSamplesComeOutAsTheirFilesSay() {
        Result result = run("formats", "test", descriptor(), "--samples", samples.toString());
        assertThat(result.code()).isZero();
        assertThat(result.out()).contains("env-sensor/v4 compiled from").contains("9 samples: 9 as expected, 0 not")
                .contains("\"source_format\":\"env-sensor/v4\"").contains("refused as too-hot.reason says");
    }

    @Test
    void anExpectedFileThatDisagreesFailsTheCheckNamingTheField() throws Exception {
        Path expected = samples.resolve("normal.expected.json");
        Files.writeString(expected, Files.readString(expected).replace("21.5", "22.5"));

        Result result = run("formats", "test", descriptor(), "--samples", samples.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.out()).contains("FAIL").contains("temperature_c is 21.5, expected 22.5").contains("9 samples: 8 as expected, 1 not");
    }

    @Test
    void aValidPayloadAmongTheInvalidOnesOrAnotherReasonFailsAndAddPublishesNothing() throws Exception {
        Files.copy(samples.resolve("normal.bin"), samples.resolve("invalid/actually-fine.bin"));
        Files.writeString(samples.resolve("invalid/too-hot.reason"), "bad-crc\n", StandardCharsets.UTF_8);

        Result result = run("formats", "add", descriptor(), "--samples", samples.toString(), "--kafka", "127.0.0.1:1");
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.out()).contains("converted, expected to be refused").contains("instead of bad-crc")
                .contains("10 samples: 8 as expected, 2 not");
        assertThat(result.err()).contains("Not published.");
    }

    @Test
    void aBrokenDescriptorIsRefusedWithFileLineAndField() throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, Files.readString(WALKTHROUGH.resolve("env-sensor-v4.yaml")).replace("little", "sideways"));

        Result result = run("formats", "test", broken.toString(), "--samples", samples.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).startsWith("ERROR: ").contains(broken.toString()).contains("sideways");
    }

    private static String descriptor() {
        return WALKTHROUGH.resolve("env-sensor-v4.yaml").toString();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream previousOut = System.out;
        PrintStream previousErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            StringWriter picocliErr = new StringWriter();
            int code = new CommandLine(new Pipeline()).setErr(new PrintWriter(picocliErr)).execute(List.of(args).toArray(String[]::new));
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) + picocliErr);
        } finally {
            System.setOut(previousOut);
            System.setErr(previousErr);
        }
    }
}
