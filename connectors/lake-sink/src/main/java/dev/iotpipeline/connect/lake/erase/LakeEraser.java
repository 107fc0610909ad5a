package dev.iotpipeline.connect.lake.erase;

import dev.iotpipeline.connect.lake.LakeSinkConfig;
import dev.iotpipeline.connect.lake.layout.LakeLayout;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.OutputStream;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases one device's readings from the lake (a GDPR erasure): every row with its
 * {@code device_id} received ({@code ingest_time}) up to the erasure time, in every Parquet file of
 * both families. The erasure record ({@link ErasureRecord}) is written first, so sink tasks stop
 * writing the device's readings before the scan starts; then each file holding such rows is
 * rewritten without them, atomically, or deleted when nothing else is left ({@link FileEraser}).
 * A device re-provisioned under the same id after the erasure keeps its new readings.
 *
 * <p>Idempotent: erasing again finds nothing to remove. A sink task's delivery that was already
 * being written when the record appeared (at most one per task, seconds) can still add the device's
 * rows behind the scan, so a tool runs the erasure again, with the same time, after a minute.
 *
 * <p>For a command-line tool: {@link #open} takes the sink's own configuration map, so the eraser
 * reaches the same lake with the same credentials and writes files as the sink does.
 */
public final class LakeEraser implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LakeEraser.class);

    private final LakeStorage storage;
    private final FileEraser files;
    private final boolean ownsStorage;

    /** Over a storage the caller closes. */
    public LakeEraser(LakeStorage storage, ParquetBatchWriter.Settings parquet) {
        this(storage, parquet, false);
    }

    private LakeEraser(LakeStorage storage, ParquetBatchWriter.Settings parquet, boolean ownsStorage) {
        this.storage = storage;
        this.files = new FileEraser(storage, new ParquetBatchWriter(parquet));
        this.ownsStorage = ownsStorage;
    }

    /** Opens the lake of a lake sink's configuration (the map given to the connector); {@link #close} closes it. */
    public static LakeEraser open(Map<String, String> sinkConfig) {
        LakeSinkConfig config = new LakeSinkConfig(sinkConfig);
        return new LakeEraser(config.openStorage(), config.parquetSettings(), true);
    }

    /**
     * Removes every row of {@code deviceId} with {@code ingest_time <= erasedAt} from the lake.
     *
     * @param erasedAt usually now; kept to the millisecond
     * @throws IllegalArgumentException when {@code deviceId} is no device id the lake can hold
     * @throws dev.iotpipeline.connect.lake.storage.StorageException when the lake cannot be read or written;
     *         what was done stays done, and running the erasure again finishes it
     */
    public ErasureResult erase(String deviceId, Instant erasedAt) {
        ErasureRecord erasure = new ErasureRecord(deviceId, erasedAt);
        byte[] json = erasure.json();
        storage.write(erasure.key(), file -> {
            try (OutputStream out = file.createOrOverwrite(json.length)) {
                out.write(json);
            }
        });
        LOG.info("Erasing device {} (readings received up to {}) from {}: record {} written", erasure.deviceId(),
                erasure.erasedAt(), storage.location(), erasure.key());
        Map<MeasurementFamily, ErasureResult.FamilyErasure> families = new EnumMap<>(MeasurementFamily.class);
        for (MeasurementFamily family : MeasurementFamily.values()) {
            ErasureResult.FamilyErasure done = new ErasureResult.FamilyErasure(0, 0, 0, 0);
            for (String key : storage.list(family.lakeDirectory())) {
                if (key.endsWith(LakeLayout.EXTENSION)) {
                    FileEraser.Outcome outcome = files.erase(key, erasure);
                    if (outcome.action() != FileEraser.Action.UNTOUCHED) {
                        LOG.info("{} {}: {} rows of {} removed", outcome.action() == FileEraser.Action.DELETED ? "Deleted"
                                : "Rewrote", key, outcome.rowsRemoved(), erasure.deviceId());
                    }
                    done = done.plus(outcome);
                }
            }
            families.put(family, done);
        }
        ErasureResult result = new ErasureResult(erasure.deviceId(), erasure.erasedAt(), erasure.key(), families);
        LOG.info("Erased device {} from {}: {} files scanned, {} rewritten, {} deleted, {} rows removed", erasure.deviceId(),
                storage.location(), result.filesScanned(), result.filesRewritten(), result.filesDeleted(), result.rowsRemoved());
        return result;
    }

    @Override
    public void close() {
        if (ownsStorage) {
            storage.close();
        }
    }
}
