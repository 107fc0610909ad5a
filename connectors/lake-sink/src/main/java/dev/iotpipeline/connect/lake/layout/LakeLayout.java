package dev.iotpipeline.connect.lake.layout;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.util.ArrayList;
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
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private LakeLayout() {
    }

    /** The readings split by the UTC hour of their event time, partitions in time order, readings in batch order. */
    public static <R> Map<HourPartition, List<R>> split(List<R> readings, Function<R, Instant> eventTime) {
        Map<HourPartition, List<R>> parts = new TreeMap<>();
        for (R reading : readings) {
            parts.computeIfAbsent(HourPartition.of(eventTime.apply(reading)), p -> new ArrayList<>()).add(reading);
        }
        return parts;
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
