package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.BatchDecoder;
import dev.iotpipeline.connect.lake.layout.HourPartition;
import dev.iotpipeline.connect.lake.layout.LakeLayout;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Writes readings of one decoded batch as Parquet files, one per UTC event hour they span, under
 * deterministic names ({@link LakeLayout}), with the batch's own reading schema as the columns.
 * Each file is complete and durable when {@link #write} returns, or after {@link LakeStorage#awaitWrites}
 * for {@link #writeLater}.
 */
public final class BatchFileWriter {

    private final LakeStorage storage;
    private final ParquetBatchWriter parquet;

    public BatchFileWriter(LakeStorage storage, ParquetBatchWriter parquet) {
        this.storage = storage;
        this.parquet = parquet;
    }

    /** The keys written, in partition order; none when there are no readings. */
    public List<String> write(Batch batch, List<GenericRecord> readings) {
        List<String> keys = writeLater(batch, readings);
        storage.awaitWrites();
        return keys;
    }

    /** As {@link #write}, but the files are durable and visible only after {@code storage().awaitWrites()}. */
    public List<String> writeLater(Batch batch, List<GenericRecord> readings) {
        Map<HourPartition, List<GenericRecord>> parts = LakeLayout.split(readings, Batch::eventTime);
        List<String> keys = new ArrayList<>(parts.size());
        for (var part : parts.entrySet()) {
            String key = LakeLayout.key(batch.family(), part.getKey(), batch.batchId());
            List<GenericRecord> rows = part.getValue();
            storage.writeLater(key, file -> parquet.write(file, batch.readingSchema(), BatchDecoder.MODEL, rows));
            keys.add(key);
        }
        return keys;
    }

    public LakeStorage storage() {
        return storage;
    }
}
