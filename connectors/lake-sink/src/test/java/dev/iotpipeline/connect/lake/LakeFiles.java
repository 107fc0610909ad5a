package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.lake.parquet.JniCodecFactory;
import dev.iotpipeline.connect.lake.parquet.ParquetRowReader;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;

/**
 * Reads the lake's files back in tests: as Avro records through parquet-avro's read support
 * ({@link ParquetRowReader}; parquet-avro's {@code AvroParquetReader} needs Hadoop's runtime, which
 * this module never has), and independently with DuckDB from a local copy.
 */
public final class LakeFiles {

    private static final JniCodecFactory CODECS = new JniCodecFactory(3);

    private LakeFiles() {
    }

    /** Every row of a file, as stored (no logical-type conversions). */
    public static List<GenericRecord> rows(LakeStorage storage, String key) throws IOException {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetRowReader reader = new ParquetRowReader(file(storage, key), CODECS, null, null)) {
            for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
                rows.add(row);
            }
        }
        return rows;
    }

    /** A file's footer: its Parquet schema, key-value metadata (the Avro schema) and row groups with their codecs. */
    public static ParquetMetadata footer(LakeStorage storage, String key) throws IOException {
        try (ParquetRowReader reader = new ParquetRowReader(file(storage, key), CODECS, null, null)) {
            return reader.footer();
        }
    }

    /** Every row of a file as DuckDB reads it (every column, in file order), from a copy under {@code scratch}. */
    public static List<List<Object>> duckDbRows(LakeStorage storage, String key, Path scratch) throws Exception {
        Path copy = scratch.resolve(key.replace('/', '_'));
        try (InputStream in = file(storage, key).newStream()) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        return DuckDb.rows("SELECT * FROM read_parquet('" + copy + "')");
    }

    private static InputFile file(LakeStorage storage, String key) {
        return storage.read(key).orElseThrow(() -> new AssertionError("no file " + key + " in " + storage.location()));
    }
}
