package dev.iotpipeline.connect.lake.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.junit.jupiter.api.Test;

/** What retention and erasure need of a lake storage, the same on every storage: listing, reading and deleting. */
abstract class LakeStorageContract {

    /** A new, empty lake for each test. */
    abstract LakeStorage storage();

    static final String A = "env_readings/event_date=2025-11-02/event_hour=00/a.parquet";
    static final String B = "env_readings/event_date=2025-11-02/event_hour=01/b.parquet";
    static final String C = "env_readings/event_date=2025-11-01/event_hour=23/c.parquet";
    static final String SIBLING = "env_readings2/x.parquet";
    static final String POSITION = "positions/event_date=2025-11-01/event_hour=00/p.parquet";
    static final String RECORD = "_erasures/d_20251101T000000000Z.json";

    static void put(LakeStorage storage, String key, byte[] content) {
        storage.write(key, file -> {
            try (OutputStream out = file.createOrOverwrite(content.length)) {
                out.write(content);
            }
        });
    }

    static void put(LakeStorage storage, String... keys) {
        for (String key : keys) {
            put(storage, key, key.getBytes(StandardCharsets.UTF_8));
        }
    }

    static byte[] content(LakeStorage storage, String key) throws IOException {
        InputFile file = storage.read(key).orElseThrow();
        try (SeekableInputStream in = file.newStream()) {
            byte[] bytes = new byte[(int) file.getLength()];
            in.readFully(bytes);
            return bytes;
        }
    }

    @Test
    void listsEveryKeyBelowAPrefixAtAnyDepthSortedAndTheDirectoriesRightBelowIt() {
        LakeStorage storage = storage();
        put(storage, B, A, C, SIBLING, POSITION, RECORD);

        assertThat(storage.list("env_readings")).containsExactly(C, A, B);
        assertThat(storage.list("env_readings/")).containsExactly(C, A, B);
        assertThat(storage.list("env_readings/event_date=2025-11-02")).containsExactly(A, B);
        assertThat(storage.list("")).containsExactly(RECORD, C, A, B, SIBLING, POSITION);
        assertThat(storage.list("missing/")).isEmpty();

        assertThat(storage.listDirectories("env_readings")).containsExactly("event_date=2025-11-01", "event_date=2025-11-02");
        assertThat(storage.listDirectories("")).containsExactly("_erasures", "env_readings", "env_readings2", "positions");
        assertThat(storage.listDirectories("env_readings/event_date=2025-11-02/event_hour=00")).isEmpty();
        assertThat(storage.listDirectories("missing")).isEmpty();
    }

    /** Larger than the S3 reader's read-ahead and tail, so reads cross fetched ranges. */
    @Test
    void readsAKeyAtAnyPositionAndTellsAMissingOne() throws IOException {
        LakeStorage storage = storage();
        byte[] content = new byte[300_000];
        new Random(7).nextBytes(content);
        put(storage, A, content);

        InputFile file = storage.read(A).orElseThrow();
        assertThat(file.getLength()).isEqualTo(content.length);
        try (SeekableInputStream in = file.newStream()) {
            byte[] tail = new byte[10];
            in.seek(content.length - 10);
            in.readFully(tail);
            assertThat(tail).isEqualTo(Arrays.copyOfRange(content, content.length - 10, content.length));
            byte[] middle = new byte[100_000];
            in.seek(150_000);
            in.readFully(middle);
            assertThat(middle).isEqualTo(Arrays.copyOfRange(content, 150_000, 250_000));
            assertThat(in.getPos()).isEqualTo(250_000);
            in.seek(content.length);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(content(storage, A)).isEqualTo(content);
        assertThat(storage.read("env_readings/missing.parquet")).isEmpty();
    }

    @Test
    void deletesAKeyAndAKeyAlreadyGoneIsNoError() {
        LakeStorage storage = storage();
        put(storage, A, B);

        storage.delete(A);
        storage.delete(A);
        storage.delete("env_readings/never-there.parquet");

        assertThat(storage.list("")).containsExactly(B);
        assertThat(storage.read(A)).isEmpty();
    }

    @Test
    void deletesEverythingBelowAPrefixAndNothingBesideIt() {
        LakeStorage storage = storage();
        String neighbour = "env_readings/event_date=2025-11-020/event_hour=00/n.parquet"; // shares the prefix as text only
        put(storage, A, B, C, neighbour, POSITION);

        assertThat(storage.deletePrefix("env_readings/event_date=2025-11-02")).isEqualTo(2);

        assertThat(storage.list("")).containsExactly(C, neighbour, POSITION);
        assertThat(storage.listDirectories("env_readings")).containsExactly("event_date=2025-11-01", "event_date=2025-11-020");
        assertThat(storage.deletePrefix("env_readings/event_date=2025-11-02/")).as("already gone").isZero();
        assertThatThrownBy(() -> storage.deletePrefix("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(storage.list("")).containsExactly(C, neighbour, POSITION);
    }
}
