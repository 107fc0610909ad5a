package dev.iotpipeline.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.RawReading;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * A folder of sample payloads run through a format's converter, as the streams app's golden
 * payloads are: every {@code <case>.<ext>} must convert, and to {@code <case>.expected.json} where
 * that file exists; every {@code invalid/<case>.<ext>} must be refused, and with the reason in
 * {@code <case>.reason} where that file exists. A sample's device id and receive time are its
 * expected file's {@code device_id} and {@code ingest_time} when it has one, else the defaults given.
 */
final class FormatSamples {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXPECTED = ".expected.json";
    private static final String REASON = ".reason";

    /** One sample's outcome. */
    record Outcome(String sample, boolean expectedToConvert, String result, boolean asExpected, String detail) {
    }

    private final FormatConverter converter;
    private final String deviceId;
    private final Instant received;

    FormatSamples(FormatConverter converter, String deviceId, Instant received) {
        this.converter = converter;
        this.deviceId = deviceId;
        this.received = received;
    }

    /** Runs every sample of {@code folder} (and of {@code folder/invalid}), sorted by name. */
    List<Outcome> check(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException("No samples folder " + folder);
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Path sample : samples(folder)) {
            outcomes.add(valid(folder, sample));
        }
        Path invalid = folder.resolve("invalid");
        if (Files.isDirectory(invalid)) {
            for (Path sample : samples(invalid)) {
                outcomes.add(invalid(folder, sample));
            }
        }
        return outcomes;
    }

    /** Prints one line per outcome and a summary; returns whether every sample came out as expected. */
    static boolean print(List<Outcome> outcomes, PrintStream out) {
        int width = outcomes.stream().mapToInt(o -> o.sample().length()).max().orElse(10);
        for (Outcome outcome : outcomes) {
            out.printf("  %-" + width + "s  %-4s  %s%n", outcome.sample(), outcome.asExpected() ? "ok" : "FAIL", outcome.detail());
            out.printf("  %-" + width + "s        %s%n", "", outcome.result());
        }
        long failed = outcomes.stream().filter(o -> !o.asExpected()).count();
        out.printf("%d samples: %d as expected, %d not%n", outcomes.size(), outcomes.size() - failed, failed);
        return failed == 0 && !outcomes.isEmpty();
    }

    private Outcome valid(Path folder, Path sample) throws IOException {
        String name = folder.relativize(sample).toString();
        Path expectedFile = sibling(sample, EXPECTED);
        JsonNode expected = Files.exists(expectedFile) ? JSON.readTree(expectedFile.toFile()) : null;
        try {
            SpecificRecord record = converter.convert(reading(sample, expected));
            ObjectNode json = toJson(record);
            if (expected == null) {
                return new Outcome(name, true, json.toString(), true, "converted (no " + expectedFile.getFileName() + " to compare)");
            }
            String mismatch = mismatch(record, expected);
            return new Outcome(name, true, json.toString(), mismatch == null,
                    mismatch == null ? "converted, matches " + expectedFile.getFileName() : "converted, but " + mismatch);
        } catch (InvalidPayloadException e) {
            return new Outcome(name, true, e.reason() + ": " + e.getMessage(), false, "refused, expected to convert");
        }
    }

    private Outcome invalid(Path folder, Path sample) throws IOException {
        String name = folder.relativize(sample).toString();
        Path reasonFile = sibling(sample, REASON);
        String reason = Files.exists(reasonFile) ? Files.readString(reasonFile, StandardCharsets.UTF_8).strip() : null;
        try {
            SpecificRecord record = converter.convert(reading(sample, null));
            return new Outcome(name, false, toJson(record).toString(), false, "converted, expected to be refused");
        } catch (InvalidPayloadException e) {
            boolean same = reason == null || reason.equals(e.reason());
            String detail = reason == null ? "refused" : same ? "refused as " + reasonFile.getFileName() + " says"
                    : "refused, but as " + e.reason() + " instead of " + reason;
            return new Outcome(name, false, e.reason() + ": " + e.getMessage(), same, detail);
        }
    }

    private RawReading reading(Path sample, JsonNode expected) throws IOException {
        String id = expected != null && expected.hasNonNull("device_id") ? expected.get("device_id").asText() : deviceId;
        Instant at = expected != null && expected.hasNonNull("ingest_time") ? Instant.parse(expected.get("ingest_time").asText()) : received;
        return new RawReading(Files.readAllBytes(sample), id, at);
    }

    /** The canonical record as JSON: field names as in the schema, times as ISO-8601 instants. */
    static ObjectNode toJson(SpecificRecord record) {
        ObjectNode json = JSON.createObjectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value == null) {
                json.putNull(field.name());
            } else if (value instanceof Double number) {
                json.put(field.name(), number);
            } else if (value instanceof Boolean flag) {
                json.put(field.name(), flag);
            } else if (value instanceof Integer number) {
                json.put(field.name(), number);
            } else if (value instanceof Long number) {
                json.put(field.name(), number);
            } else {
                json.put(field.name(), String.valueOf(value));
            }
        }
        return json;
    }

    /** What differs between {@code record} and {@code expected}, or null when nothing does. */
    private static String mismatch(SpecificRecord record, JsonNode expected) {
        List<String> names = record.getSchema().getFields().stream().map(Schema.Field::name).toList();
        List<String> expectedNames = new ArrayList<>();
        expected.fieldNames().forEachRemaining(expectedNames::add);
        if (!expectedNames.containsAll(names) || !names.containsAll(expectedNames)) {
            return "the expected file's fields " + expectedNames + " are not the record's " + names;
        }
        for (Schema.Field field : record.getSchema().getFields()) {
            Object actual = record.get(field.pos());
            JsonNode want = expected.get(field.name());
            boolean same;
            if (want.isNull() || actual == null) {
                same = want.isNull() && actual == null;
            } else if (actual instanceof Instant instant) {
                same = instant.equals(Instant.parse(want.asText()));
            } else if (actual instanceof Double number) {
                same = Math.abs(number - want.asDouble()) <= 1e-9;
            } else if (actual instanceof Boolean flag) {
                same = flag == want.asBoolean();
            } else {
                same = Objects.equals(String.valueOf(actual), want.asText());
            }
            if (!same) {
                return field.name() + " is " + actual + ", expected " + want;
            }
        }
        return null;
    }

    private static List<Path> samples(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                String name = f.getFileName().toString();
                return !name.endsWith(EXPECTED) && !name.endsWith(REASON) && !name.startsWith(".");
            }).sorted().toList();
        }
    }

    private static Path sibling(Path sample, String suffix) {
        String name = sample.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return sample.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix);
    }
}
