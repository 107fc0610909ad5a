package dev.iotpipeline.streams.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.streams.convert.descriptor.DescriptorConverter;
import dev.iotpipeline.streams.convert.descriptor.FormatDescriptors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's walkthrough, proven: a made-up env-sensor v4 (22 bytes, little-endian, epoch
 * milliseconds, tenths of °F, CRC-32) written only as a descriptor,
 * {@code src/test/resources/descriptors/env-sensor-v4.yaml}, checked against its samples in
 * {@code descriptors/env-sensor/v4/} the same way {@link GoldenPayloadTest} checks the built-in
 * formats: each {@code <case>.bin} converts to its {@code <case>.expected.json}, each
 * {@code invalid/<case>.bin} is refused with the reason in {@code <case>.reason}.
 */
class NewFormatVersionTest {

    private static final Path ROOT = resource("/descriptors");
    private static final DescriptorConverter V4 = compile();
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Path> samples() throws IOException {
        return payloads(ROOT.resolve("env-sensor/v4"));
    }

    static List<Path> invalidSamples() throws IOException {
        return payloads(ROOT.resolve("env-sensor/v4/invalid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void convertsEachSample(Path sample) throws Exception {
        assertThat(V4.sourceFormat()).isEqualTo("env-sensor/v4");
        GoldenPayloadTest.assertMatches(sample.getFileName().toString(), V4.convert(reading(sample)),
                JSON.readTree(GoldenPayloadTest.sibling(sample, ".expected.json").toFile()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSamples")
    void refusesEachInvalidSample(Path sample) throws Exception {
        String reason = Files.readString(GoldenPayloadTest.sibling(sample, ".reason")).strip();
        assertThatThrownBy(() -> V4.convert(reading(sample)))
                .isInstanceOf(InvalidPayloadException.class)
                .satisfies(e -> assertThat(((InvalidPayloadException) e).reason()).as(sample.toString()).isEqualTo(reason));
    }

    private static RawReading reading(Path sample) throws IOException {
        return new RawReading(Files.readAllBytes(sample), "env-0001", Instant.parse(GoldenPayloadTest.RECEIVED));
    }

    private static List<Path> payloads(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".bin")).sorted().toList();
        }
    }

    private static DescriptorConverter compile() {
        try {
            return FormatDescriptors.compile(ROOT.resolve("env-sensor-v4.yaml"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(NewFormatVersionTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
