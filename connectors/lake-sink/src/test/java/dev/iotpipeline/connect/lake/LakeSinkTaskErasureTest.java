package dev.iotpipeline.connect.lake;

import static dev.iotpipeline.connect.common.TestBatches.T0;
import static dev.iotpipeline.connect.lake.TaskHarness.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.erase.LakeEraser;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task never writes an erased device's readings again: a batch still on its way when the
 * device was erased (in flight, or replayed after a crash) loses them; they are dropped, not
 * dead-lettered. {@code LakeMaintenanceS3IT} does the same on S3.
 */
class LakeSinkTaskErasureTest {

    static final Instant ERASED_AT = T0.plus(Duration.ofMinutes(10));

    @TempDir
    Path dir;

    /**
     * Before the erasure one batch is written; then the device is erased (its rows leave that file),
     * and a batch with its readings from before the erasure and one from after arrives.
     */
    static void aBatchStillOnItsWayLosesTheErasedReadingsOnly(LakeStorage lake, Map<String, String> settings) throws Exception {
        TaskHarness harness = new TaskHarness(T0.plus(Duration.ofDays(1)));
        LakeSinkTask task = harness.start(settings);
        task.put(List.of(harness.env(0, List.of(env("gone", "a1", T0, T0.plusSeconds(1)), env("keep", "a2", T0, T0.plusSeconds(1))))));

        assertThat(new LakeEraser(lake, ParquetBatchWriter.Settings.defaults()).erase("gone", ERASED_AT).rowsRemoved()).isEqualTo(1);

        task.put(List.of(harness.env(2, List.of(
                env("gone", "b1", T0.plusSeconds(60), T0.plusSeconds(61)), // received before the erasure, delivered after it
                env("keep", "b2", T0.plusSeconds(60), T0.plusSeconds(61)),
                env("gone", "b3", T0.plusSeconds(120), ERASED_AT), // received at the erasure's very time: erased too
                EnvReading.newBuilder(env("gone", "b4\u0000", T0.plusSeconds(130), T0.plusSeconds(131))).build(), // erased, so not even a dead letter
                env("gone", "b5", T0.plusSeconds(700), ERASED_AT.plusMillis(1)), // a re-provisioned device of the same id
                env("other", "b6\u0000", T0.plusSeconds(140), T0.plusSeconds(141)))), // refused by the row check as usual
                harness.positions(0, List.of(TestBatches.position("gone", "p1", T0.plusSeconds(30)),
                        TestBatches.position("keep", "p2", T0.plusSeconds(30))))));

        List<List<String>> rows = new ArrayList<>();
        for (String key : lake.list("")) {
            if (key.endsWith(".parquet")) {
                LakeFiles.rows(lake, key).forEach(row -> rows.add(List.of(row.get("device_id").toString(),
                        row.get("message_id").toString())));
            }
        }
        assertThat(rows).containsExactlyInAnyOrder(List.of("keep", "a2"), List.of("keep", "b2"), List.of("gone", "b5"),
                List.of("keep", "p2"));
        assertThat(harness.context.deadLetters).singleElement().asString().startsWith("2: Reading 5 (device other,");
        task.stop();
    }

    @Test
    void aBatchStillOnItsWayLosesTheErasedReadingsAndKeepsTheRestOnLocalDisk() throws Exception {
        try (LocalLakeStorage lake = new LocalLakeStorage(dir.resolve("lake"))) {
            aBatchStillOnItsWayLosesTheErasedReadingsOnly(lake, TaskHarness.local(dir.resolve("lake")));
        }
    }

    @Test
    void aRecordTheTaskCannotReadStopsItBeforeItWritesAnything() {
        Path lake = dir.resolve("lake");
        try (LocalLakeStorage storage = new LocalLakeStorage(lake)) {
            storage.write("_erasures/broken.json", file -> {
                try (OutputStream out = file.createOrOverwrite(0)) {
                    out.write("{\"device_id\": \"gone\"}".getBytes(StandardCharsets.UTF_8));
                }
            });
        }
        TaskHarness harness = new TaskHarness(T0.plus(Duration.ofDays(1)));
        LakeSinkTask task = harness.start(TaskHarness.local(lake));

        assertThatThrownBy(() -> task.put(List.of(harness.env(0, List.of(env("gone", "a1", T0, T0)))))).isInstanceOf(
                ConnectException.class).hasMessageContaining("_erasures/broken.json");
        assertThat(LakeSinkTaskTest.parquetFiles(lake)).containsExactly("_erasures/broken.json");
        task.stop();
    }
}
