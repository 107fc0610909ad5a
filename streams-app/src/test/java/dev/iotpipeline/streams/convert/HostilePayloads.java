package dev.iotpipeline.streams.convert;

import dev.iotpipeline.schemas.contract.Crc16CcittFalse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of what a hostile or broken device may send: random bytes, mutations of the golden
 * payloads, and well-formed payloads whose fields hold extreme or malformed numbers and times,
 * long strings, control characters, broken UTF-16 and deep nesting.
 */
final class HostilePayloads {

    static final String ENV_DEVICE = "env-0001";
    static final String GPS_DEVICE = "trk-0017";

    private HostilePayloads() {
    }

    /** Everything below, mixed, for one format ({@code env-sensor/v2}, ...). */
    static Arbitrary<byte[]> any(String format) {
        Arbitrary<byte[]> structured = switch (format) {
            case "env-sensor/v1" -> envV1();
            case "env-sensor/v2" -> envV2();
            case "env-sensor/v3" -> envV3();
            case "gps-tracker/v1" -> gpsV1();
            case "gps-tracker/v2" -> gpsV2();
            default -> throw new IllegalArgumentException(format);
        };
        // The unchanged golden payloads keep valid readings among the inputs, so accepted records get checked too.
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of(golden(format))),
                Tuple.of(1, randomBytes()),
                Tuple.of(3, mutatedGolden(format)),
                Tuple.of(6, structured));
    }

    static Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(2048);
    }

    /** A golden valid payload with bytes flipped, cut, repeated or replaced by a hostile token. */
    static Arbitrary<byte[]> mutatedGolden(String format) {
        List<byte[]> golden = golden(format);
        Arbitrary<byte[]> base = Arbitraries.of(golden);
        return Combinators.combine(base, Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 10_000),
                token()).as((payload, kind, where, token) -> mutate(payload, kind, where, token));
    }

    private static byte[] mutate(byte[] payload, int kind, int where, String token) {
        int at = payload.length == 0 ? 0 : where % payload.length;
        byte[] tokenBytes = token.getBytes(StandardCharsets.UTF_8);
        return switch (kind) {
            case 0 -> {
                byte[] copy = payload.clone();
                if (copy.length > 0) {
                    copy[at] ^= (byte) (1 << (where % 8));
                }
                yield copy;
            }
            case 1 -> Arrays.copyOf(payload, at);
            case 2 -> ByteBuffer.allocate(payload.length + tokenBytes.length).put(payload, 0, at).put(tokenBytes)
                    .put(payload, at, payload.length - at).array();
            case 3 -> ByteBuffer.allocate(payload.length * 2).put(payload).put(payload).array();
            default -> replaceNumber(new String(payload, StandardCharsets.UTF_8), where, token).getBytes(StandardCharsets.UTF_8);
        };
    }

    /** Replaces the n-th number of the text by the token. */
    private static String replaceNumber(String text, int n, String token) {
        var numbers = Pattern.compile("-?[0-9][0-9.eE+-]*").matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (numbers.find()) {
            spans.add(new int[] {numbers.start(), numbers.end()});
        }
        if (spans.isEmpty()) {
            return text + token;
        }
        int[] span = spans.get(n % spans.size());
        return text.substring(0, span[0]) + token + text.substring(span[1]);
    }

    static Arbitrary<byte[]> envV1() {
        return Combinators.combine(id(ENV_DEVICE), number(), number(), number(), Arbitraries.oneOf(number(), Arbitraries.just("")))
                .as((id, ts, t, h, bat) -> utf8("{\"id\":" + id + ",\"ts\":" + ts + ",\"t\":" + t + ",\"h\":" + h
                        + (bat.isEmpty() ? "" : ",\"bat\":" + bat) + "}"));
    }

    static Arbitrary<byte[]> envV2() {
        Arbitrary<String> head = Combinators.combine(Arbitraries.oneOf(Arbitraries.just("2"), number()), id(ENV_DEVICE),
                string(), time()).as((v, id, fw, time) -> "{\"v\":" + v + ",\"device\":{\"id\":" + id + ",\"fw\":" + fw
                + "},\"time\":" + time);
        Arbitrary<String> readings = Combinators.combine(number(), Arbitraries.of("\"C\"", "\"F\"", "\"K\"", "1", "null"),
                number(), number(), string()).as((value, unit, humidity, voltage, msgId) -> ",\"readings\":{\"temperature\":"
                + "{\"value\":" + value + ",\"unit\":" + unit + "},\"humidity\":" + humidity + "},\"battery\":{\"voltage\":"
                + voltage + "},\"msgId\":" + msgId + "}");
        return Combinators.combine(head, readings).as((h, r) -> utf8(h + r));
    }

    /** 16 bytes with a correct CRC (so the fields are reached), or the wrong length now and then. */
    static Arbitrary<byte[]> envV3() {
        Arbitrary<byte[]> framed = Arbitraries.bytes().array(byte[].class).ofSize(14).map(body -> {
            body[0] = 0x03;
            int crc = Crc16CcittFalse.of(body, 0, 14);
            return ByteBuffer.allocate(16).put(body).putShort((short) crc).array();
        });
        return Arbitraries.oneOf(framed, framed, framed, Arbitraries.bytes().array(byte[].class).ofMaxSize(40));
    }

    static Arbitrary<byte[]> gpsV1() {
        Arbitrary<String> field = Arbitraries.oneOf(number(), Arbitraries.strings().ofMaxLength(80));
        return Combinators.combine(Arbitraries.oneOf(Arbitraries.just(GPS_DEVICE), Arbitraries.strings().ofMaxLength(70)),
                field, field, field, field, Arbitraries.oneOf(field, Arbitraries.just("")))
                .as((id, ts, lat, lon, speed, heading) -> utf8(id + "," + ts + "," + lat + "," + lon + "," + speed
                        + (heading.isEmpty() ? "" : "," + heading)));
    }

    static Arbitrary<byte[]> gpsV2() {
        return Combinators.combine(id(GPS_DEVICE), number(), number(), number(), number(), number(), number())
                .as((id, ts, lon, lat, speed, heading, accuracy) -> utf8("{\"deviceId\":" + id + ",\"ts\":" + ts
                        + ",\"position\":{\"type\":\"Point\",\"coordinates\":[" + lon + "," + lat + "]},\"speedMps\":" + speed
                        + ",\"heading\":" + heading + ",\"accuracyM\":" + accuracy + "}"));
    }

    /** JSON number tokens: plausible, extreme, malformed, or something else than a number. */
    static Arbitrary<String> number() {
        Arbitrary<String> plausible = Arbitraries.bigDecimals().between(BigDecimal.valueOf(-400),
                BigDecimal.valueOf(400)).ofScale(3).map(BigDecimal::toPlainString);
        Arbitrary<String> epoch = Arbitraries.longs().between(1_300_000_000L, 1_800_000_000_000L).map(String::valueOf);
        Arbitrary<String> exponent = Combinators.combine(Arbitraries.integers().between(-9, 9),
                Arbitraries.integers().between(-2_000_000_000, 2_000_000_000)).as((m, e) -> m + "e" + e);
        Arbitrary<String> digits = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(120).map(d -> "1" + d);
        Arbitrary<String> extreme = Arbitraries.of("9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "1e999999999", "-1e999999999", "1e-999999999", "0e-999999999", "0e999999999", "-0", "0.0000000000000000001",
                "1E+2147483647", "4294967295", "-2147483648", "NaN", "Infinity", "-Infinity", "1.", ".5", "01", "+1",
                "\"21.5\"", "null", "true", "[]", "{}", "[1,2]", nested(40), nested(5000));
        return Arbitraries.oneOf(plausible, epoch, exponent, digits, extreme);
    }

    /** JSON string tokens (or not): ordinary, long, with control characters, broken UTF-16. */
    static Arbitrary<String> string() {
        Arbitrary<String> pieces = Arbitraries.of("a", "Z", "9", ".", "-", "é", "😀", "\\u0000", "\\u001f", "\\n", "\\t",
                "\\u007f", "\\u0085", "\\ud800", "\\udc00", "\\\"", "\\\\").list().ofMaxSize(200).map(l -> String.join("", l));
        Arbitrary<String> longOne = Arbitraries.integers().between(60, 9000).map(n -> "x".repeat(n));
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.oneOf(pieces, longOne).map(s -> "\"" + s + "\"")),
                Tuple.of(1, Arbitraries.of("\"\"", "null", "12", nested(3))));
    }

    /** ISO-8601 times: recent, at the extremes of the year range, before the floor, without offset, garbage. */
    static Arbitrary<String> time() {
        Arbitrary<String> years = Combinators.combine(Arbitraries.of("", "+", "-"), Arbitraries.integers().between(0, 999_999_999),
                Arbitraries.of("Z", "+18:00", "-18:00", "+09:00", "", "+25:00")).as((sign, year, offset) ->
                "\"" + sign + String.format("%04d", year) + "-01-01T00:00:00" + offset + "\"");
        Arbitrary<String> fixed = Arbitraries.of("\"2025-11-24T06:33:20.250+09:00\"", "\"+999999999-12-31T23:59:59.999999999-18:00\"",
                "\"-999999999-01-01T00:00:00+18:00\"", "\"2014-12-31T23:59:59Z\"", "\"2025-11-23T21:33:20\"", "\"soon\"",
                "1763933600", "null", "\"" + "2".repeat(5000) + "\"");
        return Arbitraries.oneOf(years, fixed);
    }

    /** The authenticated id most of the time (so parsing goes on past the id check), else something hostile. */
    static Arbitrary<String> id(String device) {
        return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("\"" + device + "\"")),
                Tuple.of(2, string()));
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static Arbitrary<String> token() {
        return Arbitraries.oneOf(number(), string(), time());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The valid golden payloads of a format. */
    static List<byte[]> golden(String format) {
        try {
            Path dir = Path.of(HostilePayloads.class.getResource("/payloads/" + format).toURI());
            try (Stream<Path> files = Files.list(dir)) {
                return files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".expected.json")).sorted()
                        .map(HostilePayloads::read).toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
