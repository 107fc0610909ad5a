package dev.iotpipeline.connect.lake.erase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Erasing a device from a lake on local disk ({@link ErasureScenario}). */
class LakeEraserTest {

    @TempDir
    Path dir;

    @Test
    void removesTheDevicesRowsFromEveryFileAndLeavesEveryOtherRowAsItWas() throws Exception {
        try (LocalLakeStorage storage = new LocalLakeStorage(dir.resolve("lake"))) {
            ErasureScenario scenario = new ErasureScenario(storage, Files.createDirectories(dir.resolve("copies")));
            scenario.writeLake();
            scenario.eraseAndCheck();
        }
        try (Stream<Path> files = Files.walk(dir.resolve("lake"))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void opensTheLakeOfTheSinksConfiguration() throws Exception {
        try (LakeEraser eraser = LakeEraser.open(Map.of("lake.local.dir", dir.resolve("lake").toString(),
                "schema.registry.url", "http://unused"))) {
            ErasureResult result = eraser.erase("nobody", Instant.parse("2026-01-01T00:00:00Z"));
            assertThat(result.filesScanned()).isZero();
            assertThat(dir.resolve("lake").resolve(result.recordKey())).isRegularFile();
        }
    }

    @Test
    void anIdTheLakeCannotHoldIsRefusedBeforeAnythingIsWritten() {
        try (LocalLakeStorage storage = new LocalLakeStorage(dir.resolve("lake"))) {
            LakeEraser eraser = new LakeEraser(storage, ErasureScenario.SETTINGS);
            for (String id : new String[] {"", "../x", "a/b", "x".repeat(65), "dev ice"}) {
                assertThatThrownBy(() -> eraser.erase(id, Instant.now())).as(id).isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(storage.list("")).isEmpty();
        }
    }
}
