package dev.iotpipeline.connect.lake.erase;

import static dev.iotpipeline.connect.common.TestBatches.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.BatchFileWriter;
import dev.iotpipeline.connect.lake.LakeFiles;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.connect.lake.storage.RecordingStorage;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A lake of several devices in both families, written by the sink's own file writer, and what
 * erasing one of them must leave: its rows received by the erasure gone from every file, every
 * other row still there with the same values, in the same order, with the same schema; a file that
 * held only its rows deleted; a file without such rows not touched; a second erasure doing nothing.
 * The same on every storage ({@code LakeEraserTest} on disk, {@code LakeMaintenanceS3IT} on S3).
 */
public final class ErasureScenario {

    public static final String GONE = "era-gone";
    public static final Instant ERASED_AT = T0.plus(Duration.ofHours(1));
    static final ParquetBatchWriter.Settings SETTINGS = ParquetBatchWriter.Settings.defaults();

    private final RecordingStorage storage;
    private final Path scratch;
    private final Map<String, List<GenericRecord>> before = new TreeMap<>();
    private final Map<String, List<List<Object>>> duckDbBefore = new TreeMap<>();
    private final Map<String, ParquetMetadata> footers = new TreeMap<>();

    /** @param scratch where files are copied for DuckDB to read */
    public ErasureScenario(LakeStorage storage, Path scratch) {
        this.storage = new RecordingStorage(storage);
        this.scratch = scratch;
    }

    /**
     * Six files: env hour 21 (the device and keep-1, rewritten), env hour 22 (only the device,
     * deleted), env of keep-2 alone (untouched), env hour 23 (the device re-provisioned after the
     * erasure, and keep-1: untouched), positions of the device and keep-3 (rewritten), positions of
     * only the device (deleted).
     */
    public void writeLake() throws Exception {
        BatchFileWriter files = new BatchFileWriter(storage, new ParquetBatchWriter(SETTINGS));
        write(files, TestBatches.envBatch(0, 0, List.of(env(GONE, "a1", 0), env("keep-1", "a2", 1), env(GONE, "a3", 2),
                env("keep-1", "a4", 3), env(GONE, "a5", 40 * 60))));
        write(files, TestBatches.envBatch(0, 5, List.of(env("keep-2", "b1", 0), env("keep-2", "b2", 1))));
        write(files, TestBatches.envBatch(1, 0, List.of(env(GONE, "c1", 2 * 3600), env("keep-1", "c2", 2 * 3600 + 1))));
        write(files, TestBatches.positionBatch(0, 0, List.of(position(GONE, "p1", 0), position("keep-3", "p2", 0))));
        write(files, TestBatches.positionBatch(0, 2, List.of(position(GONE, "p3", 5), position(GONE, "p4", 6))));
        for (String key : storage.list("")) {
            before.put(key, LakeFiles.rows(storage, key));
            duckDbBefore.put(key, LakeFiles.duckDbRows(storage, key, scratch));
            footers.put(key, LakeFiles.footer(storage, key));
        }
        assertThat(before).hasSize(6);
    }

    private static void write(BatchFileWriter files, SpecificRecord batch) {
        var decoded = TestBatches.decoded(batch);
        files.write(decoded, decoded.readings());
    }

    private static EnvReading env(String device, String messageId, long seconds) {
        return TestBatches.env(device, messageId, T0.plusSeconds(seconds), 20.0 + seconds % 7); // received a second later
    }

    private static Position position(String device, String messageId, long seconds) {
        return TestBatches.position(device, messageId, T0.plusSeconds(seconds));
    }

    /** Erases {@link #GONE} and checks the lake, then erases it again; returns the first result. */
    public ErasureResult eraseAndCheck() throws Exception {
        storage.written.clear();
        storage.deleted.clear();
        ErasureResult result = new LakeEraser(storage, SETTINGS).erase(GONE, ERASED_AT);

        assertThat(result.deviceId()).isEqualTo(GONE);
        assertThat(result.erasedAt()).isEqualTo(ERASED_AT);
        assertThat(result.families()).containsExactly(
                Map.entry(MeasurementFamily.ENV_READING, new ErasureResult.FamilyErasure(4, 1, 1, 3)),
                Map.entry(MeasurementFamily.POSITION, new ErasureResult.FamilyErasure(2, 1, 1, 3)));
        assertThat(List.of(result.filesScanned(), result.filesRewritten(), result.filesDeleted())).containsExactly(6, 2, 2);
        assertThat(result.rowsRemoved()).isEqualTo(6);
        checkRecord(result.recordKey());

        List<String> rewritten = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (var file : before.entrySet()) {
            List<GenericRecord> expected = file.getValue().stream().filter(row -> !erased(row)).toList();
            if (expected.isEmpty()) {
                assertThat(storage.read(file.getKey())).as(file.getKey() + " held only the device's rows").isEmpty();
                deleted.add(file.getKey());
                continue;
            }
            assertThat(LakeFiles.rows(storage, file.getKey())).as(file.getKey()).containsExactlyElementsOf(expected);
            assertThat(LakeFiles.duckDbRows(storage, file.getKey(), scratch)).as("DuckDB reading " + file.getKey())
                    .containsExactlyElementsOf(duckDbBefore.get(file.getKey()).stream().filter(row -> !erasedInDuckDb(row)).toList());
            if (expected.size() < file.getValue().size()) {
                rewritten.add(file.getKey());
                checkSameSchemaAndCodec(file.getKey());
            }
        }
        assertThat(rewritten).hasSize(2);
        assertThat(storage.written).as("the record, then only the files that held the device's rows")
                .containsExactlyElementsOf(concat(result.recordKey(), rewritten));
        assertThat(storage.deleted).containsExactlyInAnyOrderElementsOf(deleted);

        ErasureResult again = new LakeEraser(storage, SETTINGS).erase(GONE, ERASED_AT);
        assertThat(again.families()).containsExactly(
                Map.entry(MeasurementFamily.ENV_READING, new ErasureResult.FamilyErasure(3, 0, 0, 0)),
                Map.entry(MeasurementFamily.POSITION, new ErasureResult.FamilyErasure(1, 0, 0, 0)));
        assertThat(again.recordKey()).isEqualTo(result.recordKey());
        return result;
    }

    /** Read without conversions: {@code ingest_time} is epoch milliseconds. */
    private static boolean erased(GenericRecord row) {
        return GONE.equals(row.get("device_id").toString()) && (Long) row.get("ingest_time") <= ERASED_AT.toEpochMilli();
    }

    /** DuckDB's columns in schema order: device_id, event_time, ingest_time, ... */
    private static boolean erasedInDuckDb(List<Object> row) {
        return GONE.equals(row.get(0)) && !((OffsetDateTime) row.get(2)).toInstant().isAfter(ERASED_AT);
    }

    private void checkRecord(String key) throws IOException {
        assertThat(key).isEqualTo("_erasures/era-gone_20251123T223320250Z.json");
        try (InputStream in = storage.read(key).orElseThrow().newStream()) {
            Map<?, ?> record = new ObjectMapper().readValue(in.readAllBytes(), Map.class);
            assertThat(record).isEqualTo(Map.of("device_id", GONE, "erased_at", "2025-11-23T22:33:20.250Z"));
        }
    }

    private void checkSameSchemaAndCodec(String key) throws IOException {
        ParquetMetadata was = footers.get(key);
        ParquetMetadata is = LakeFiles.footer(storage, key);
        assertThat(is.getFileMetaData().getSchema()).isEqualTo(was.getFileMetaData().getSchema());
        assertThat(is.getFileMetaData().getKeyValueMetaData().get("parquet.avro.schema"))
                .isEqualTo(was.getFileMetaData().getKeyValueMetaData().get("parquet.avro.schema")).isNotNull();
        assertThat(is.getBlocks()).flatMap(block -> block.getColumns()).extracting(ColumnChunkMetaData::getCodec)
                .containsOnly(CompressionCodecName.ZSTD);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }
}
