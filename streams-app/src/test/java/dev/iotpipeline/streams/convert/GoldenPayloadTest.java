package dev.iotpipeline.streams.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Walks {@code payloads/<device type>/<version>/}: every {@code <case>.<ext>} must convert to its
 * {@code <case>.expected.json}, every {@code invalid/<case>.<ext>} must fail with the reason code
 * in {@code <case>.reason}. The authenticated device is {@code env-0001} or {@code trk-0017}, the
 * bridge received each message at {@value #RECEIVED}.
 */
class GoldenPayloadTest {

    static final String RECEIVED = "2025-11-23T21:33:21Z";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConverterRegistry CONVERTERS = new ConverterRegistry(ConverterRegistry.builtIn());

    static Stream<Arguments> validPayloads() throws IOException {
        return cases(false);
    }

    static Stream<Arguments> invalidPayloads() throws IOException {
        return cases(true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validPayloads")
    void convertsToTheCanonicalRecord(String name, Path payload, FormatConverter converter) throws Exception {
        SpecificRecord record = converter.convert(reading(payload, converter));
        assertMatches(name, record, JSON.readTree(sibling(payload, ".expected.json").toFile()));
    }

    /** Every field of {@code record} as {@code expected} (a {@code <case>.expected.json}) has it. */
    static void assertMatches(String name, SpecificRecord record, JsonNode expected) {
        Schema schema = record.getSchema();
        assertThat(fieldNames(expected)).as("expected fields").containsExactlyInAnyOrderElementsOf(
                schema.getFields().stream().map(Schema.Field::name).toList());
        for (Schema.Field field : schema.getFields()) {
            Object actual = record.get(field.pos());
            JsonNode want = expected.get(field.name());
            String what = name + " " + field.name();
            if (want.isNull()) {
                assertThat(actual).as(what).isNull();
            } else if (actual instanceof Instant instant) {
                assertThat(instant).as(what).isEqualTo(Instant.parse(want.asText()));
            } else if (actual instanceof Double number) {
                assertThat(number).as(what).isCloseTo(want.asDouble(), within(1e-9));
            } else if (actual instanceof Boolean flag) {
                assertThat(flag).as(what).isEqualTo(want.asBoolean());
            } else {
                assertThat(String.valueOf(actual)).as(what).isEqualTo(want.asText());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPayloads")
    void refusesWithAStableReason(String name, Path payload, FormatConverter converter) throws Exception {
        String reason = Files.readString(sibling(payload, ".reason")).strip();

        assertThatThrownBy(() -> converter.convert(reading(payload, converter)))
                .isInstanceOf(InvalidPayloadException.class)
                .satisfies(e -> assertThat(((InvalidPayloadException) e).reason()).as(name).isEqualTo(reason))
                .satisfies(e -> assertThat(e.getMessage()).as(name).isNotBlank());
    }

    @Test
    void everyFormatInTheContractHasGoldenPayloads() throws IOException {
        assertThat(cases(false).map(a -> ((FormatConverter) a.get()[2]).sourceFormat()).distinct())
                .containsExactlyInAnyOrderElementsOf(CONVERTERS.formats());
        assertThat(cases(true).map(a -> ((FormatConverter) a.get()[2]).sourceFormat()).distinct())
                .containsExactlyInAnyOrderElementsOf(CONVERTERS.formats());
    }

    @Test
    void theClockFloorIsTheReadingsOwn() throws Exception {
        FormatConverter v1 = CONVERTERS.find("env-sensor", "v1").orElseThrow();
        byte[] payload = "{\"id\":\"env-0001\",\"ts\":1735689599,\"t\":215,\"h\":41}".getBytes(StandardCharsets.UTF_8);
        Instant received = Instant.parse(RECEIVED);

        assertThat(((EnvReading) v1.convert(new RawReading(payload, "env-0001", received))).getEventTime())
                .isEqualTo(Instant.parse("2024-12-31T23:59:59Z"));
        assertThatThrownBy(() -> v1.convert(new RawReading(payload, "env-0001", received, Instant.parse("2025-01-01T00:00:00Z"))))
                .satisfies(e -> assertThat(((InvalidPayloadException) e).reason()).isEqualTo("out-of-range:event_time"));
    }

    private static RawReading reading(Path payload, FormatConverter converter) throws IOException {
        String device = converter.deviceType().equals("env-sensor") ? "env-0001" : "trk-0017";
        return new RawReading(Files.readAllBytes(payload), device, Instant.parse(RECEIVED));
    }

    private static Stream<Arguments> cases(boolean invalid) throws IOException {
        Path root = root();
        List<Arguments> cases = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String fileName = file.getFileName().toString();
                Path relative = root.relativize(file);
                boolean isInvalid = relative.getNameCount() == 4 && relative.getName(2).toString().equals("invalid");
                if (fileName.endsWith(".expected.json") || fileName.endsWith(".reason") || isInvalid != invalid) {
                    continue;
                }
                String type = relative.getName(0).toString();
                String version = relative.getName(1).toString();
                FormatConverter converter = CONVERTERS.find(type, version).orElseThrow();
                cases.add(Arguments.of(relative.toString(), file, converter));
            }
        }
        return cases.stream();
    }

    private static Path root() {
        try {
            return Path.of(GoldenPayloadTest.class.getResource("/payloads").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path sibling(Path payload, String suffix) {
        String name = payload.getFileName().toString();
        return payload.resolveSibling(name.substring(0, name.lastIndexOf('.')) + suffix);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
