package dev.iotpipeline.streams.convert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The fast path for ISO-8601 times answers only what {@code ISO_OFFSET_DATE_TIME} answers, and the same. */
class IsoOffsetTimesTest {

    @Property(tries = 3000)
    void agreesWithTheFormatterWheneverItAnswers(@ForAll("nearlyIsoTimes") String text) {
        Instant fast = IsoOffsetTimes.parseCommon(text);
        if (fast != null) {
            assertThat(fast).as(text).isEqualTo(formatter(text));
        }
    }

    @Property(tries = 1000)
    void answersForEveryWellFormedTime(@ForAll("wellFormedTimes") String text) {
        assertThat(IsoOffsetTimes.parseCommon(text)).as(text).isNotNull().isEqualTo(formatter(text));
    }

    @Test
    void leavesTheUncommonShapesToTheFormatter() {
        assertThat(IsoOffsetTimes.parseCommon("2025-11-24T06:33:20.250+09:00")).isEqualTo(Instant.parse("2025-11-23T21:33:20.250Z"));
        assertThat(IsoOffsetTimes.parseCommon("2025-11-24T06:33:20.123456789Z")).isEqualTo(Instant.parse("2025-11-24T06:33:20.123Z"));
        assertThat(IsoOffsetTimes.parseCommon("1969-12-31T23:59:59.999Z")).isEqualTo(Instant.parse("1969-12-31T23:59:59.999Z"));
        for (String other : new String[] {"2025-11-24t06:33:20Z", "2025-11-24T06:33Z", "+12025-11-24T06:33:20Z",
                "2025-11-24T06:33:20+09", "2025-11-24T06:33:20+09:00:30", "2025-11-24T06:33:20z", "2025-11-24T06:33:20",
                "2025-02-29T06:33:20Z", "2025-11-24T24:00:00Z", "2025-11-24T06:33:20.Z", "2025-11-24T06:33:20+18:00",
                "2025-11-24T06:33:20.1234567890Z", "２０25-11-24T06:33:20Z"}) {
            assertThat(IsoOffsetTimes.parseCommon(other)).as(other).isNull();
        }
    }

    private static Instant formatter(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Provide
    Arbitrary<String> wellFormedTimes() {
        Arbitrary<String> date = Arbitraries.longs().between(Instant.parse("0000-01-01T00:00:00Z").getEpochSecond(),
                Instant.parse("9999-12-31T00:00:00Z").getEpochSecond()).map(s -> Instant.ofEpochSecond(s).toString()
                .substring(0, 19));
        Arbitrary<String> fraction = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(9).map(f -> "." + f);
        Arbitrary<String> offset = Arbitraries.oneOf(Arbitraries.just("Z"), Combinators.combine(Arbitraries.of('+', '-'),
                Arbitraries.integers().between(0, 17), Arbitraries.integers().between(0, 59))
                .as((sign, h, m) -> String.format("%c%02d:%02d", sign, h, m)));
        return Combinators.combine(date, Arbitraries.oneOf(fraction, Arbitraries.just("")), offset).as((d, f, o) -> d + f + o);
    }

    @Provide
    Arbitrary<String> nearlyIsoTimes() {
        Arbitrary<String> year = Arbitraries.oneOf(Arbitraries.integers().between(0, 9999).map(y -> String.format("%04d", y)),
                Arbitraries.of("+10000", "-0001", "999", "20a5"));
        Arbitrary<String> two = Arbitraries.oneOf(Arbitraries.integers().between(0, 99).map(n -> String.format("%02d", n)),
                Arbitraries.of("1", "001", "x1", "٣1"));
        Arbitrary<String> fraction = Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.just("."),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(11).map(f -> "." + f));
        Arbitrary<String> offset = Arbitraries.oneOf(Arbitraries.of("Z", "z", "", "+09", "+09:00:30", "-00:00", "+18:00",
                "-18:00", "+24:00"), Combinators.combine(Arbitraries.of('+', '-'), two, two).as((s, h, m) -> s + h + ":" + m));
        Arbitrary<String> dateTime = Combinators.combine(year, two, two, Arbitraries.of('T', 't', ' '), two, two, two)
                .as((y, mo, d, t, h, mi, s) -> y + "-" + mo + "-" + d + t + h + ":" + mi + ":" + s);
        return Combinators.combine(dateTime, fraction, offset).as((dt, f, o) -> dt + f + o);
    }
}
