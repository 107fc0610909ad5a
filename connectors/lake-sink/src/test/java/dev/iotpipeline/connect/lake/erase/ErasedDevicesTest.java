package dev.iotpipeline.connect.lake.erase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.connect.lake.storage.RecordingStorage;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sink task knows of erasures: learnt record by record, each read once, the latest per device. */
class ErasedDevicesTest {

    static final Instant T1 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private RecordingStorage storage;

    @BeforeEach
    void open() {
        storage = new RecordingStorage(new LocalLakeStorage(dir.resolve("lake")));
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private void put(ErasureRecord record) {
        put(record.key(), record.json());
    }

    private void put(String key, byte[] bytes) {
        storage.write(key, file -> {
            try (OutputStream out = file.createOrOverwrite(0)) {
                out.write(bytes);
            }
        });
    }

    @Test
    void readsOnlyTheRecordsItHasNotSeenAndADeviceErasedTwiceIsErasedUpToTheLatest() {
        ErasedDevices erased = new ErasedDevices(storage);
        assertThat(erased.refresh()).isEmpty();
        assertThat(erased.isEmpty()).isTrue();

        ErasureRecord first = new ErasureRecord("a", T1);
        put(first);
        put(new ErasureRecord("b", T1));
        assertThat(erased.refresh()).hasSize(2);
        storage.read.clear();
        assertThat(erased.refresh()).isEmpty();
        assertThat(storage.read).as("nothing new: a listing, no read").isEmpty();

        ErasureRecord later = new ErasureRecord("a", T1.plusSeconds(3600));
        put(later);
        assertThat(erased.refresh()).containsExactly(later);
        assertThat(storage.read).containsExactly(later.key());
        assertThat(erased.size()).isEqualTo(2);
        assertThat(erased.erases(reading("a", T1.plusSeconds(3600)))).isTrue();
        assertThat(erased.erases(reading("a", T1.plusSeconds(3601)))).isFalse();
        assertThat(erased.erases(reading("c", T1))).isFalse();
    }

    @Test
    void keepsTheOtherReadingsInTheirOrderAndTheSameListWhenNoneIsErased() {
        put(new ErasureRecord("gone", T1));
        ErasedDevices erased = new ErasedDevices(storage);
        erased.refresh();
        Batch batch = TestBatches.decodedEnv(env("k1", T1), env("gone", T1.minusSeconds(1)), env("k2", T1), env("gone",
                T1.plusSeconds(5)), env("gone", T1));
        List<GenericRecord> readings = batch.readings();

        assertThat(erased.keep(readings)).containsExactly(readings.get(0), readings.get(2), readings.get(3));
        List<GenericRecord> none = readings.subList(0, 1);
        assertThat(erased.keep(none)).isSameAs(none);
    }

    @Test
    void aRecordThatIsNotOneIsAnErrorNotIgnored() {
        put("_erasures/broken.json", "{\"device_id\":\"x\"".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> new ErasedDevices(storage).refresh()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("_erasures/broken.json");
        put("_erasures/broken.json", new byte[ErasureRecord.MAX_BYTES + 1]);
        assertThatThrownBy(() -> new ErasedDevices(storage).refresh()).hasMessageContaining("larger than");
    }

    /** A decoded reading received at {@code ingest}. */
    private static GenericRecord reading(String device, Instant ingest) {
        return TestBatches.decodedEnv(env(device, ingest)).readings().get(0);
    }

    private static EnvReading env(String device, Instant ingest) {
        return EnvReading.newBuilder(TestBatches.env(device, "m", ingest.minusSeconds(1), 20.0)).setIngestTime(ingest).build();
    }
}
