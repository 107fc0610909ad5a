package dev.iotpipeline.connect.lake.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on local disk, and what only a file system has: temporary files and directories. */
class LocalLakeStorageTest extends LakeStorageContract {

    @TempDir
    Path dir;

    private LocalLakeStorage storage;

    @Override
    LakeStorage storage() {
        storage = new LocalLakeStorage(dir.resolve("lake"));
        return storage;
    }

    @AfterEach
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    @Test
    void aTemporaryFileIsNotListedButGoesWithItsPartitionAndSoDoTheDirectoriesLeftEmpty() throws Exception {
        LakeStorage lake = storage();
        put(lake, A, B, C);
        Path hour = dir.resolve("lake/env_readings/event_date=2025-11-02/event_hour=00");
        Files.writeString(hour.resolve(".stale.parquet.tmp"), "left by a crash");

        assertThat(lake.list("env_readings/event_date=2025-11-02")).containsExactly(A, B);
        assertThat(lake.deletePrefix("env_readings/event_date=2025-11-02")).as("both files and the temporary one").isEqualTo(3);

        assertThat(dir.resolve("lake/env_readings/event_date=2025-11-02")).doesNotExist();
        assertThat(dir.resolve("lake/env_readings")).isDirectory();
        assertThat(lake.list("")).containsExactly(C);
    }

    @Test
    void aPartitionDeletedAndWrittenAgainIsAPlainNewDirectory() {
        LakeStorage lake = storage();
        put(lake, A);
        lake.deletePrefix("env_readings/event_date=2025-11-02");
        put(lake, A); // the storage remembered the directory as durable: it must create it again

        assertThat(lake.list("")).containsExactly(A);
    }

    @Test
    void aKeyOrPrefixOutsideTheLakeIsRefused() {
        LakeStorage lake = storage();
        for (Runnable outside : new Runnable[] {() -> lake.list("../elsewhere"), () -> lake.delete("../x.parquet"),
            () -> lake.deletePrefix("../"), () -> lake.read("env_readings/../../x.parquet")}) {
            assertThatThrownBy(outside::run).isInstanceOf(StorageException.class).hasMessageContaining("leaves the lake root")
                    .satisfies(e -> assertThat(((StorageException) e).transientFailure()).isFalse());
        }
    }
}
