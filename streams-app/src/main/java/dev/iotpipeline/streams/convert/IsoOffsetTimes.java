package dev.iotpipeline.streams.convert;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The common shape of an ISO-8601 time with an offset, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)},
 * read without {@code java.time.format} (which costs more than the rest of a reading's conversion).
 * Anything else, valid or not, is left to {@code DateTimeFormatter.ISO_OFFSET_DATE_TIME}: this only
 * ever answers for text that formatter reads, and answers the same instant.
 */
public final class IsoOffsetTimes {

    /** Longer than any ISO-8601 time with nanoseconds, a nine-digit year and an offset. */
    public static final int MAX_CHARS = 64;

    private IsoOffsetTimes() {
    }

    /**
     * ISO-8601 with an offset (a time without one is ambiguous), truncated to milliseconds;
     * {@code invalid-field:<field>} for anything else, and for text longer than {@value #MAX_CHARS}.
     */
    public static Instant parseOffsetTime(String field, String text) throws InvalidPayloadException {
        if (text.length() > MAX_CHARS) {
            throw InvalidPayloadException.invalid(field, "expected ISO-8601 with a UTC offset, got " + text.length()
                    + " characters");
        }
        Instant common = parseCommon(text);
        if (common != null) {
            return common;
        }
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant()
                    .truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeParseException e) {
            throw InvalidPayloadException.invalid(field, "expected ISO-8601 with a UTC offset, got \"" + text + "\"");
        }
    }

    /** The instant, truncated to milliseconds, or null when {@code text} is not of the common shape. */
    public static Instant parseCommon(String text) {
        int length = text.length();
        if (length < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return null;
        }
        int at = 19;
        long millis = 0;
        if (text.charAt(at) == '.') {
            int fraction = at + 1;
            while (at + 1 < length && text.charAt(at + 1) >= '0' && text.charAt(at + 1) <= '9') {
                at++;
            }
            int fractionDigits = at + 1 - fraction;
            if (fractionDigits < 1 || fractionDigits > 9) {
                return null;
            }
            for (int i = 0; i < 3; i++) {
                millis = millis * 10 + (i < fractionDigits ? text.charAt(fraction + i) - '0' : 0);
            }
            at++;
        }
        int offsetSeconds = offset(text, at);
        if (offsetSeconds == Integer.MIN_VALUE) {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        long epochSecond = epochDay * 86_400 + hour * 3_600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochMilli(epochSecond * 1000 + millis);
    }

    /** {@code Z} or {@code ±HH:mm} (up to ±17:59) ending the text, in seconds; MIN_VALUE otherwise. */
    private static int offset(String text, int at) {
        int rest = text.length() - at;
        if (rest == 1 && text.charAt(at) == 'Z') {
            return 0;
        }
        if (rest != 6 || (text.charAt(at) != '+' && text.charAt(at) != '-') || text.charAt(at + 3) != ':') {
            return Integer.MIN_VALUE;
        }
        int hours = digits(text, at + 1, 2);
        int minutes = digits(text, at + 4, 2);
        if (hours < 0 || hours > 17 || minutes < 0 || minutes > 59) {
            return Integer.MIN_VALUE;
        }
        int seconds = hours * 3_600 + minutes * 60;
        return text.charAt(at) == '-' ? -seconds : seconds;
    }

    /** The ASCII digits at {@code from}, {@code count} of them, as a number; -1 if any is not one. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
