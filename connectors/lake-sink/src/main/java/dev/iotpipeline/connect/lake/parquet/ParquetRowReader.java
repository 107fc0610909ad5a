package dev.iotpipeline.connect.lake.parquet;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;

/**
 * Reads a Parquet file's rows as Avro generic records without Hadoop. parquet-avro's
 * {@code AvroParquetReader} links Hadoop classes even for an {@code InputFile}, so this takes the
 * same steps as its internal record reader with the Hadoop-free types: the file reader with our
 * codecs ({@link PlainReadOptions}), the Avro read support on a plain configuration, one
 * record reader per row group.
 *
 * <p>With a filter, row groups whose statistics or dictionaries exclude it are skipped unread and
 * only matching rows are returned; with a projection, only its columns are read. Rows come without
 * logical-type conversions (timestamps as epoch milliseconds), exactly as stored, so writing them
 * back with the file's own schema ({@link #avroSchema}) keeps every value.
 */
public final class ParquetRowReader implements Closeable {

    /** Where parquet-avro keeps the writer's Avro schema in the footer (and where it used to). */
    private static final String[] AVRO_SCHEMA_KEYS = {"parquet.avro.schema", "avro.schema"};

    private final ParquetFileReader file;
    private final FileMetaData metadata;
    private final FilterCompat.Filter filter;
    private final RecordMaterializer<GenericRecord> materializer;
    private final MessageColumnIO columns;
    private RecordReader<GenericRecord> rows;
    private long leftInRowGroup;

    /**
     * @param projection the columns to read, as an Avro record of some of the file's fields; null for all
     * @param filter which rows to return; null for all
     */
    public ParquetRowReader(InputFile input, CompressionCodecFactory codecs, Schema projection, FilterCompat.Filter filter)
            throws IOException {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        if (projection != null) {
            conf.set(AvroReadSupport.AVRO_REQUESTED_PROJECTION, projection.toString());
        }
        this.filter = filter == null ? FilterCompat.NOOP : filter;
        this.file = ParquetFileReader.open(input, PlainReadOptions.create(conf, codecs, this.filter));
        try {
            metadata = file.getFooter().getFileMetaData();
            Map<String, String> keyValues = metadata.getKeyValueMetaData();
            AvroReadSupport<GenericRecord> support = new AvroReadSupport<>(GenericData.get());
            ReadSupport.ReadContext context = support.init(conf, keyValues, metadata.getSchema());
            materializer = support.prepareForRead(conf, keyValues, metadata.getSchema(), context);
            file.setRequestedSchema(context.getRequestedSchema());
            columns = new ColumnIOFactory(metadata.getCreatedBy()).getColumnIO(context.getRequestedSchema(), metadata.getSchema(),
                    true);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The Avro schema the file was written with, from its footer; null when no Avro writer wrote it. */
    public Schema avroSchema() {
        for (String key : AVRO_SCHEMA_KEYS) {
            String schema = metadata.getKeyValueMetaData().get(key);
            if (schema != null) {
                return new Schema.Parser().parse(schema);
            }
        }
        return null;
    }

    /** The file's footer: its Parquet schema, key-value metadata and row groups. */
    public ParquetMetadata footer() {
        return file.getFooter();
    }

    /** Rows in the file, before any filter. */
    public long rowCount() {
        return file.getRecordCount();
    }

    /** The next (matching) row, or null after the last. */
    public GenericRecord read() throws IOException {
        while (true) {
            if (leftInRowGroup == 0) {
                PageReadStore rowGroup = file.readNextFilteredRowGroup();
                if (rowGroup == null) {
                    return null;
                }
                leftInRowGroup = rowGroup.getRowCount();
                rows = columns.getRecordReader(rowGroup, materializer, filter);
                continue;
            }
            leftInRowGroup--;
            GenericRecord row = rows.read();
            if (row != null && !rows.shouldSkipCurrentRecord()) {
                return row;
            }
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
