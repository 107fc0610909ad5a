package dev.iotpipeline.connect.lake.layout;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where a batch's readings go: {@code <family dir>/event_date=YYYY-MM-DD/event_hour=HH/<batch id>_<YYYY-MM-DDTHH>.parquet},
 * one file per batch and hour partition. The name depends only on the batch id (its exact source
 * range) and the partition, so a replayed batch rewrites the same files instead of adding copies.
 */
public final class LakeLayout {

    public static final String EXTENSION = ".parquet";
    private static final long HOUR_SECONDS = 3600;
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private LakeLayout() {
    }

    /**
     * The readings split by the UTC hour of their event time, partitions in time order, readings in
     * batch order. Hours are counted from the epoch (no calendar per reading); a batch within one
     * hour, the common case, is returned as it is.
     */
    public static <R> Map<HourPartition, List<R>> split(List<R> readings, Function<R, Instant> eventTime) {
        Map<HourPartition, List<R>> parts = new LinkedHashMap<>();
        if (readings.isEmpty()) {
            return parts;
        }
        long first = hour(readings.get(0), eventTime);
        int same = 1;
        while (same < readings.size() && hour(readings.get(same), eventTime) == first) {
            same++;
        }
        if (same == readings.size()) {
            parts.put(partition(first), readings);
            return parts;
        }
        Map<Long, List<R>> byHour = new TreeMap<>();
        List<R> part = new ArrayList<>(readings.subList(0, same));
        byHour.put(first, part);
        long current = first;
        for (int i = same; i < readings.size(); i++) {
            long hour = hour(readings.get(i), eventTime);
            if (hour != current) {
                current = hour;
                part = byHour.computeIfAbsent(hour, h -> new ArrayList<>());
            }
            part.add(readings.get(i));
        }
        byHour.forEach((hour, rows) -> parts.put(partition(hour), rows));
        return parts;
    }

    private static <R> long hour(R reading, Function<R, Instant> eventTime) {
        return Math.floorDiv(eventTime.apply(reading).getEpochSecond(), HOUR_SECONDS);
    }

    private static HourPartition partition(long hour) {
        return HourPartition.of(Instant.ofEpochSecond(hour * HOUR_SECONDS));
    }

    /** The file's key relative to the lake root, with '/' separators. */
    public static String key(MeasurementFamily family, HourPartition partition, String batchId) {
        return family.lakeDirectory() + "/" + partition.path() + "/" + fileName(partition, batchId);
    }

    /** E.g. {@code env_reading-0-100-199_2025-11-23T07.parquet}; characters unsafe in a path become '_'. */
    public static String fileName(HourPartition partition, String batchId) {
        if (batchId == null || batchId.isBlank()) {
            throw new IllegalArgumentException("the batch has no batch_id");
        }
        return UNSAFE.matcher(batchId).replaceAll("_") + "_" + partition.label() + EXTENSION;
    }
}
