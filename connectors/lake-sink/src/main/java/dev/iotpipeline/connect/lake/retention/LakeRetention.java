package dev.iotpipeline.connect.lake.retention;

import dev.iotpipeline.connect.common.Expiry;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lake keeps {@code days} of event time in whole UTC days: the cutoff is the start of the UTC
 * day that holds now minus {@code days} ({@link Expiry#wholeDays}). Whole {@code event_date=}
 * partitions before the cutoff's day are dropped, so a query never sees a day cut in half, and a
 * reading older than the cutoff is refused as {@value Expiry#REASON} ({@link #expiry}) instead of
 * written: a new file in a dropped partition would bring part of an expired day back.
 *
 * <p>Dropping runs when the task starts and then whenever {@code checkIntervalMs} has passed
 * ({@link #checkIfDue}, called from every {@code put}). A failure is logged and tried again at the
 * next check; it never fails the task, as the readings it writes are unaffected. Several tasks may
 * drop the same partition at once: what is already gone is not an error.
 */
public final class LakeRetention {

    private static final Logger LOG = LoggerFactory.getLogger(LakeRetention.class);
    private static final Pattern PARTITION = Pattern.compile("event_date=(\\d{4}-\\d{2}-\\d{2})");

    /** One dropped partition: its prefix ({@code env_readings/event_date=2024-10-01/}) and how many files it held. */
    public record DroppedPartition(String prefix, int files) {
    }

    private final LakeStorage storage;
    private final int days;
    private final long checkIntervalMs;
    private final Clock clock;
    private Instant nextCheck = Instant.MIN;

    /** @param days 0 keeps everything */
    public LakeRetention(LakeStorage storage, int days, long checkIntervalMs, Clock clock) {
        this.storage = storage;
        this.days = days;
        this.checkIntervalMs = checkIntervalMs;
        this.clock = clock;
    }

    /** The first instant the lake keeps now, or null when it keeps everything. */
    public Instant cutoff() {
        return Expiry.wholeDays(clock.instant(), days);
    }

    /** What {@code RowCheck} refuses as expired now, or null when the lake keeps everything. */
    public Expiry expiry() {
        Instant cutoff = cutoff();
        return cutoff == null ? null : new Expiry(cutoff, rule());
    }

    private String rule() {
        return "the lake keeps " + days + " days, whole event_date partitions";
    }

    /** Drops the expired partitions if the interval has passed since the last check; logs a failure, never throws it. */
    public void checkIfDue() {
        Instant now = clock.instant();
        if (days <= 0 || now.isBefore(nextCheck)) {
            return;
        }
        nextCheck = now.plusMillis(checkIntervalMs);
        try {
            dropExpired();
        } catch (RuntimeException e) {
            LOG.warn("Could not drop the lake's partitions before {} in {} ({}), trying again in {} ms: {}", cutoff(),
                    storage.location(), rule(), checkIntervalMs, e.getMessage(), e);
        }
    }

    /**
     * Drops, in every family's directory, each {@code event_date=} partition whose date is before
     * the cutoff's day; nothing when the lake keeps everything.
     *
     * @throws dev.iotpipeline.connect.lake.storage.StorageException when listing or deleting fails
     */
    public List<DroppedPartition> dropExpired() {
        Instant cutoff = cutoff();
        List<DroppedPartition> dropped = new ArrayList<>();
        if (cutoff == null) {
            return dropped;
        }
        LocalDate firstKept = cutoff.atZone(ZoneOffset.UTC).toLocalDate();
        for (MeasurementFamily family : MeasurementFamily.values()) {
            for (String partition : storage.listDirectories(family.lakeDirectory())) {
                LocalDate date = date(partition);
                if (date != null && date.isBefore(firstKept)) {
                    String prefix = family.lakeDirectory() + "/" + partition + "/";
                    int files = storage.deletePrefix(prefix);
                    LOG.info("Dropped lake partition {} ({} files) from {}: before {}, {}", prefix, files, storage.location(),
                            firstKept, rule());
                    dropped.add(new DroppedPartition(prefix, files));
                }
            }
        }
        return dropped;
    }

    /** The date of an {@code event_date=YYYY-MM-DD} directory, or null for anything else (left alone). */
    static LocalDate date(String directory) {
        Matcher matcher = PARTITION.matcher(directory);
        if (!matcher.matches()) {
            return null;
        }
        try {
            return LocalDate.parse(matcher.group(1));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
