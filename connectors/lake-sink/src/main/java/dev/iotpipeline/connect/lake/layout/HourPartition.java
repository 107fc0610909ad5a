package dev.iotpipeline.connect.lake.layout;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * One Hive-style partition of the lake: the UTC date and hour of a reading's event time, as
 * {@code event_date=YYYY-MM-DD/event_hour=HH}. Always UTC, never the worker's zone.
 */
public record HourPartition(LocalDate date, int hour) implements Comparable<HourPartition> {

    public HourPartition {
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("hour " + hour + " is not 0..23");
        }
    }

    public static HourPartition of(Instant eventTime) {
        ZonedDateTime utc = eventTime.atZone(ZoneOffset.UTC);
        return new HourPartition(utc.toLocalDate(), utc.getHour());
    }

    /** The partition's directory, e.g. {@code event_date=2025-11-23/event_hour=07}. */
    public String path() {
        return "event_date=" + date + "/event_hour=" + twoDigits();
    }

    /** A compact form for file names, e.g. {@code 2025-11-23T07}. */
    public String label() {
        return date + "T" + twoDigits();
    }

    private String twoDigits() {
        return hour < 10 ? "0" + hour : Integer.toString(hour);
    }

    @Override
    public int compareTo(HourPartition other) {
        int byDate = date.compareTo(other.date);
        return byDate != 0 ? byDate : Integer.compare(hour, other.hour);
    }
}
