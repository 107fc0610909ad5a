package dev.iotpipeline.connect.lake.erase;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one {@link LakeEraser#erase} did.
 *
 * @param recordKey the erasure record written before the scan
 * @param families what was done in each family's directory (every family, in enum order)
 */
public record ErasureResult(String deviceId, Instant erasedAt, String recordKey, Map<MeasurementFamily, FamilyErasure> families) {

    /**
     * One family's part.
     *
     * @param filesScanned Parquet files looked at
     * @param filesRewritten files rewritten without the device's rows
     * @param filesDeleted files deleted because they held only the device's rows
     * @param rowsRemoved rows of the device removed, by rewriting or deleting their files
     */
    public record FamilyErasure(int filesScanned, int filesRewritten, int filesDeleted, long rowsRemoved) {

        FamilyErasure plus(FileEraser.Outcome outcome) {
            return new FamilyErasure(filesScanned + 1, filesRewritten + (outcome.action() == FileEraser.Action.REWRITTEN ? 1 : 0),
                    filesDeleted + (outcome.action() == FileEraser.Action.DELETED ? 1 : 0), rowsRemoved + outcome.rowsRemoved());
        }
    }

    public ErasureResult {
        Map<MeasurementFamily, FamilyErasure> ordered = new EnumMap<>(MeasurementFamily.class);
        ordered.putAll(families);
        families = Collections.unmodifiableMap(ordered);
    }

    public int filesScanned() {
        return families.values().stream().mapToInt(FamilyErasure::filesScanned).sum();
    }

    public int filesRewritten() {
        return families.values().stream().mapToInt(FamilyErasure::filesRewritten).sum();
    }

    public int filesDeleted() {
        return families.values().stream().mapToInt(FamilyErasure::filesDeleted).sum();
    }

    public long rowsRemoved() {
        return families.values().stream().mapToLong(FamilyErasure::rowsRemoved).sum();
    }

    /** Rows removed from one family. */
    public long rowsRemoved(MeasurementFamily family) {
        FamilyErasure part = families.get(family);
        return part == null ? 0 : part.rowsRemoved();
    }
}
