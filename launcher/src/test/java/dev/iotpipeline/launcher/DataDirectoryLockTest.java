package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryLockTest {

    @TempDir
    Path dataDir;

    @Test
    void oneOwnerAtATimeNamedByItsPid() {
        long self = ProcessHandle.current().pid();
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir)) {
            assertThat(DataDirectoryLock.runningOwner(dataDir)).contains(self);
            assertThatThrownBy(() -> DataDirectoryLock.acquire(dataDir))
                    .hasMessageContaining("already running").hasMessageContaining("(pid " + self + ")")
                    .hasMessageContaining("./pipeline down --data-dir");
        }
        assertThat(DataDirectoryLock.runningOwner(dataDir)).isEmpty();
        assertThat(dataDir.resolve(DataDirectoryLock.PID_FILE)).doesNotExist();
    }

    @Test
    void aStalePidFileWithoutAnOwnerIsNoRunningPipeline() throws Exception {
        Files.writeString(dataDir.resolve(DataDirectoryLock.PID_FILE), "1");

        assertThat(DataDirectoryLock.runningOwner(dataDir)).isEmpty();
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir)) {
            assertThat(Files.readString(dataDir.resolve(DataDirectoryLock.PID_FILE))).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        }
    }

    @Test
    void onlyAPipelineJvmCountsAsALauncher() {
        assertThat(DataDirectoryLock.isLauncher(ProcessHandle.current())).as("the test JVM runs no Pipeline main").isFalse();
        assertThat(DataDirectoryLock.isLauncher(ProcessHandle.of(1).orElseThrow())).isFalse();
    }
}
