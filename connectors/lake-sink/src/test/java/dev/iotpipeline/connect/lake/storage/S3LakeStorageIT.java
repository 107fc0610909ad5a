package dev.iotpipeline.connect.lake.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.connect.lake.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** The storage contract on S3 (an in-process s3proxy), each test in a lake of its own under the bucket, and what only S3 has. */
class S3LakeStorageIT extends LakeStorageContract {

    private static final AtomicInteger LAKES = new AtomicInteger();
    static S3Server s3;

    @TempDir
    Path spool;

    private S3LakeStorage storage;
    private String prefix;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    LakeStorage storage() {
        prefix = "lake" + LAKES.incrementAndGet();
        storage = new S3LakeStorage(s3.settings(prefix, spool));
        return storage;
    }

    @AfterEach
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    @Test
    void theLakeIsItsPrefixOnlyNotAnotherPrefixStartingTheSame() {
        LakeStorage lake = storage();
        put(lake, A);
        s3.client().putObject(b -> b.bucket(S3Server.BUCKET).key(prefix + "0/" + B), RequestBody.fromString("another lake"));

        assertThat(lake.list("")).containsExactly(A);
        assertThat(lake.listDirectories("")).containsExactly("env_readings");
    }

    /** DeleteObjects takes at most 1,000 keys: a larger partition takes several requests. */
    @Test
    void aPrefixOfMoreThanAThousandKeysIsDeletedInChunks() {
        LakeStorage lake = storage();
        int count = S3LakeStorage.DELETE_BATCH + 7;
        for (int i = 0; i < count; i++) {
            String key = prefix + "/positions/event_date=2025-11-01/event_hour=00/" + i + ".parquet";
            s3.seed(key, key.getBytes(StandardCharsets.UTF_8));
        }
        put(lake, POSITION.replace("2025-11-01", "2025-11-02"));

        assertThat(lake.list("positions/event_date=2025-11-01")).hasSize(count);
        assertThat(lake.deletePrefix("positions/event_date=2025-11-01")).isEqualTo(count);
        assertThat(lake.list("")).containsExactly(POSITION.replace("2025-11-01", "2025-11-02"));
    }

    @Test
    void anObjectReplacedWhileItIsReadFailsTheReadInsteadOfMixingVersions() throws IOException {
        LakeStorage lake = storage();
        put(lake, A, "the first version".getBytes(StandardCharsets.UTF_8));
        InputFile file = lake.read(A).orElseThrow();
        put(lake, A, "the second version".getBytes(StandardCharsets.UTF_8));

        try (SeekableInputStream in = file.newStream()) {
            assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("replaced while it was read");
        }
        assertThat(new String(content(lake, A), StandardCharsets.UTF_8)).isEqualTo("the second version");
    }
}
