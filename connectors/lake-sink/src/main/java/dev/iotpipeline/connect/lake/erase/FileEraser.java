package dev.iotpipeline.connect.lake.erase;

import static org.apache.parquet.filter2.predicate.FilterApi.and;
import static org.apache.parquet.filter2.predicate.FilterApi.binaryColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.eq;
import static org.apache.parquet.filter2.predicate.FilterApi.longColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.ltEq;

import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.parquet.ParquetRowReader;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.connect.lake.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.api.Binary;

/**
 * Removes one erasure's rows from one Parquet file of the lake, without Hadoop. First it counts the
 * rows to remove reading only {@code device_id} and {@code ingest_time} through Parquet's filter, so
 * a row group whose statistics or {@code device_id} dictionary exclude the device is skipped without
 * reading its data: most files cost their footer and a dictionary page. A file with such rows is
 * rewritten through {@link LakeStorage#write} under its own key (atomic: a reader sees the old file or
 * the new one), streaming every other row in order with the file's own Avro schema from its footer
 * and the sink's codec settings; a file left without rows is deleted instead.
 *
 * <p>A file may be replaced while it is erased only by a replay of its batch, which writes the
 * same rows minus those the task already drops as erased; so acting on the count of the first read
 * is safe, and the rewrite counts again what it removes.
 */
final class FileEraser {

    /** What happened to one file. */
    enum Action { UNTOUCHED, REWRITTEN, DELETED }

    record Outcome(Action action, long rowsRemoved) {
        static final Outcome UNTOUCHED = new Outcome(Action.UNTOUCHED, 0);
    }

    /** The two columns that tell whether a row is erased. */
    private static final Schema PROJECTION = Schema.createRecord("erasure_check", null, null, false, List.of(
            new Schema.Field("device_id", Schema.create(Schema.Type.STRING)),
            new Schema.Field("ingest_time", Schema.create(Schema.Type.LONG))));

    private final LakeStorage storage;
    private final ParquetBatchWriter writer;

    FileEraser(LakeStorage storage, ParquetBatchWriter writer) {
        this.storage = storage;
        this.writer = writer;
    }

    Outcome erase(String key, ErasureRecord erasure) {
        Optional<InputFile> found = storage.read(key);
        if (found.isEmpty()) {
            return Outcome.UNTOUCHED; // dropped since the listing
        }
        InputFile file = found.get();
        try {
            Scan scan = scan(file, erasure);
            if (scan.erased() == 0) {
                return Outcome.UNTOUCHED;
            }
            if (scan.erased() >= scan.rows()) {
                storage.delete(key);
                return new Outcome(Action.DELETED, scan.erased());
            }
            if (scan.schema() == null) {
                throw new IllegalStateException("no Avro schema in its footer: the lake sink did not write it, and a rewrite "
                        + "would change its schema");
            }
            long[] counts = new long[2]; // removed, kept
            storage.write(key, out -> {
                try (ParquetRowReader rows = new ParquetRowReader(file, writer.codecs(), null, null)) {
                    writer.write(out, scan.schema(), GenericData.get(), () -> remaining(rows, erasure, counts));
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            });
            if (counts[1] == 0) {
                storage.delete(key);
                return new Outcome(Action.DELETED, counts[0]);
            }
            return new Outcome(Action.REWRITTEN, counts[0]);
        } catch (IOException e) {
            throw new StorageException("cannot erase " + erasure.deviceId() + " from " + key + ": " + e.getMessage(), e, true);
        } catch (StorageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot erase " + erasure.deviceId() + " from " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the first read learns of a file.
     *
     * @param erased rows of the device received by the erasure
     * @param rows rows in the file
     * @param schema the Avro schema it was written with, or null
     */
    private record Scan(long erased, long rows, Schema schema) {
    }

    /** Reads only the two columns, and only of row groups that may hold erased rows. */
    private Scan scan(InputFile file, ErasureRecord erasure) throws IOException {
        FilterCompat.Filter filter = FilterCompat.get(and(eq(binaryColumn("device_id"), Binary.fromString(erasure.deviceId())),
                ltEq(longColumn("ingest_time"), erasure.erasedAt().toEpochMilli())));
        long count = 0;
        try (ParquetRowReader rows = new ParquetRowReader(file, writer.codecs(), PROJECTION, filter)) {
            while (rows.read() != null) {
                count++;
            }
            return new Scan(count, rows.rowCount(), rows.avroSchema());
        }
    }

    /** The file's rows without the erased ones, read as they are written; counts[0] removed, counts[1] kept. */
    private static Iterator<GenericRecord> remaining(ParquetRowReader rows, ErasureRecord erasure, long[] counts) {
        return new Iterator<>() {
            private GenericRecord next = advance();

            private GenericRecord advance() {
                try {
                    for (GenericRecord row = rows.read(); row != null; row = rows.read()) {
                        if (erased(row, erasure)) {
                            counts[0]++;
                        } else {
                            counts[1]++;
                            return row;
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public GenericRecord next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                GenericRecord current = next;
                next = advance();
                return current;
            }
        };
    }

    /** Rows are read without logical-type conversions: {@code ingest_time} is its epoch milliseconds. */
    private static boolean erased(GenericRecord row, ErasureRecord erasure) {
        Object device = row.get("device_id");
        Object ingest = row.get("ingest_time");
        return device != null && erasure.deviceId().equals(device.toString())
                && (!(ingest instanceof Long millis) || millis <= erasure.erasedAt().toEpochMilli());
    }
}
