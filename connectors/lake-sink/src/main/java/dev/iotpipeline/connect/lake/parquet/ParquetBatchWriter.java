package dev.iotpipeline.connect.lake.parquet;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * Writes Avro records as one Parquet file, without Hadoop: a plain configuration and our own
 * codecs. Columns are the Avro fields with their names (the canonical snake_case ones);
 * {@code timestamp-millis} becomes {@code TIMESTAMP(MILLIS, isAdjustedToUTC=true)}.
 */
public final class ParquetBatchWriter {

    /** How files are written. */
    public record Settings(CompressionCodecName codec, int zstdLevel, long rowGroupBytes, int pageBytes) {
        public static Settings defaults() {
            return new Settings(CompressionCodecName.ZSTD, 3, 64L * 1024 * 1024, 1024 * 1024);
        }
    }

    private final Settings settings;
    private final JniCodecFactory codecs;

    public ParquetBatchWriter(Settings settings) {
        this.settings = settings;
        this.codecs = new JniCodecFactory(settings.zstdLevel());
    }

    /** The codecs files are written with, which also read them. */
    public JniCodecFactory codecs() {
        return codecs;
    }

    /** Writes {@code records} in their order (the lake eraser streams them from the file it rewrites). */
    public <R extends IndexedRecord> void write(OutputFile file, Schema schema, GenericData model, Iterable<R> records)
            throws IOException {
        try (ParquetWriter<R> writer = AvroParquetWriter.<R>builder(file)
                .withConf(new PlainParquetConfiguration())
                .withSchema(schema)
                .withDataModel(model)
                .withCodecFactory(codecs)
                .withCompressionCodec(settings.codec())
                .withRowGroupSize(settings.rowGroupBytes())
                .withPageSize(settings.pageBytes())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (R record : records) {
                writer.write(record);
            }
        }
    }
}
