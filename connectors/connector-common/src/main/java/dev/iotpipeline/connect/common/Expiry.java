package dev.iotpipeline.connect.common;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Where a store's retention ends: readings whose event time is before {@code cutoff} belong to a
 * period the store has expired (or is about to), so they are refused as {@code expired} instead of
 * being stored again after their period was dropped.
 *
 * @param cutoff the first instant still kept
 * @param rule what keeps it, for the dead letter's message, e.g. {@code env_readings keeps 400 days, whole months}
 */
public record Expiry(Instant cutoff, String rule) {

    /** The reason code of a reading refused for its age. */
    public static final String REASON = "expired";

    /**
     * The cutoff of a retention of {@code days} kept in whole UTC months: the first instant of the
     * month that holds {@code now - days}; or null when {@code days} is 0 (kept forever).
     */
    public static Instant wholeMonths(Instant now, int days) {
        if (days <= 0) {
            return null;
        }
        LocalDate day = now.minus(days, ChronoUnit.DAYS).atZone(ZoneOffset.UTC).toLocalDate();
        return day.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Like {@link #wholeMonths}, in whole UTC days: the start of the day that holds {@code now - days}. */
    public static Instant wholeDays(Instant now, int days) {
        if (days <= 0) {
            return null;
        }
        return now.minus(days, ChronoUnit.DAYS).atZone(ZoneOffset.UTC).toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Whether a reading with this event time is expired. */
    public boolean expires(Instant eventTime) {
        return eventTime.isBefore(cutoff);
    }
}
