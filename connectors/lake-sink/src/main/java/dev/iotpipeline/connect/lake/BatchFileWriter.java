package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.lake.layout.HourPartition;
import dev.iotpipeline.connect.lake.layout.LakeLayout;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes one decoded batch as Parquet files, one per UTC event hour it spans, under deterministic
 * names ({@link LakeLayout}). Each file is complete and durable when {@link #write} returns.
 */
public final class BatchFileWriter {

    private final LakeStorage storage;
    private final ParquetBatchWriter parquet;

    public BatchFileWriter(LakeStorage storage, ParquetBatchWriter parquet) {
        this.storage = storage;
        this.parquet = parquet;
    }

    /** The keys written, in partition order; none for an empty batch. */
    public List<String> write(DecodedBatch batch) {
        Map<HourPartition, ? extends List<? extends SpecificRecord>> parts =
                LakeLayout.split(batch.readings(), DecodedBatch::eventTime);
        List<String> keys = new ArrayList<>(parts.size());
        for (var part : parts.entrySet()) {
            String key = LakeLayout.key(batch.family(), part.getKey(), batch.batchId());
            List<? extends SpecificRecord> rows = part.getValue();
            storage.write(key, file -> parquet.write(file, batch.readingSchema(), batch.model(), rows));
            keys.add(key);
        }
        return keys;
    }

    public LakeStorage storage() {
        return storage;
    }
}
