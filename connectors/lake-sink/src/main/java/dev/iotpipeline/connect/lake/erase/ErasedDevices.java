package dev.iotpipeline.connect.lake.erase;

import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.connect.lake.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.parquet.io.InputFile;

/**
 * The devices erased from the lake, as the sink task sees them: which readings it must not write
 * again ({@link #erases}). {@link #refresh} lists {@link ErasureRecord#DIRECTORY} (one directory
 * listing on disk, one LIST on S3) and reads only the records it has not seen yet, so calling it
 * before every delivery costs little while nothing changes. A device erased more than once is
 * erased up to its latest record.
 */
public final class ErasedDevices {

    private final LakeStorage storage;
    private final Set<String> seen = new HashSet<>();
    /** By device id as the decoder gives text (UTF-8 bytes), so a reading's id is looked up without decoding it. */
    private final Map<Utf8, Instant> erasedUntil = new HashMap<>();

    public ErasedDevices(LakeStorage storage) {
        this.storage = storage;
    }

    /**
     * Reads the records added since the last call.
     *
     * @return the records read now
     * @throws StorageException when the lake cannot be listed or read
     * @throws IllegalArgumentException when a record is not one (the task must not write without knowing)
     */
    public List<ErasureRecord> refresh() {
        List<ErasureRecord> added = new ArrayList<>();
        for (String key : storage.list(ErasureRecord.DIRECTORY)) {
            if (!key.endsWith(".json") || seen.contains(key)) {
                continue;
            }
            Optional<InputFile> file = storage.read(key);
            if (file.isEmpty()) {
                continue; // removed since the listing
            }
            ErasureRecord record = ErasureRecord.parse(key, bytes(key, file.get()));
            erasedUntil.merge(new Utf8(record.deviceId()), record.erasedAt(), (a, b) -> a.isAfter(b) ? a : b);
            seen.add(key);
            added.add(record);
        }
        return added;
    }

    private static byte[] bytes(String key, InputFile file) {
        try (InputStream in = file.newStream()) {
            byte[] bytes = in.readNBytes(ErasureRecord.MAX_BYTES + 1);
            if (bytes.length > ErasureRecord.MAX_BYTES) {
                throw new IllegalArgumentException(key + " is not an erasure record: larger than " + ErasureRecord.MAX_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new StorageException("cannot read " + key + ": " + e.getMessage(), e, true);
        }
    }

    public boolean isEmpty() {
        return erasedUntil.isEmpty();
    }

    /** How many devices are erased. */
    public int size() {
        return erasedUntil.size();
    }

    /** Whether a reading (fields {@code device_id} and {@code ingest_time}) is of an erased device, received by its erasure. */
    public boolean erases(GenericRecord reading) {
        if (erasedUntil.isEmpty()) {
            return false;
        }
        Object id = reading.get("device_id");
        Instant until = id == null ? null : erasedUntil.get(id instanceof Utf8 utf8 ? utf8 : new Utf8(id.toString()));
        if (until == null) {
            return false;
        }
        Object ingest = reading.get("ingest_time");
        Instant ingestTime = ingest instanceof Instant instant ? instant
                : ingest instanceof Long millis ? Instant.ofEpochMilli(millis) : null;
        return ingestTime == null || !ingestTime.isAfter(until); // without a receive time, erased
    }

    /** The readings not erased, in their order; the same list when none is. */
    public List<GenericRecord> keep(List<GenericRecord> readings) {
        if (erasedUntil.isEmpty()) {
            return readings;
        }
        int first = 0;
        while (first < readings.size() && !erases(readings.get(first))) {
            first++;
        }
        if (first == readings.size()) {
            return readings;
        }
        List<GenericRecord> kept = new ArrayList<>(readings.subList(0, first));
        for (int i = first + 1; i < readings.size(); i++) {
            if (!erases(readings.get(i))) {
                kept.add(readings.get(i));
            }
        }
        return kept;
    }
}
