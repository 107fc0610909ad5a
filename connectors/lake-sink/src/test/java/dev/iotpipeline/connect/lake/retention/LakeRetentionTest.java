package dev.iotpipeline.connect.lake.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.connect.lake.TestClock;
import dev.iotpipeline.connect.lake.retention.LakeRetention.DroppedPartition;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.connect.lake.storage.RecordingStorage;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-day retention on local disk; {@code LakeMaintenanceS3IT} runs {@link #dropsTheDaysBeforeTheCutoff} on S3. */
public class LakeRetentionTest {

    /** 400 days before is 2025-11-01T12:00Z: the lake keeps 2025-11-01 and later. */
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    static final long HOUR = 3_600_000;

    static final List<String> EXPIRED = List.of(
            "env_readings/event_date=2025-10-30/event_hour=05/e1.parquet",
            "env_readings/event_date=2025-10-31/event_hour=00/e2.parquet",
            "env_readings/event_date=2025-10-31/event_hour=23/e3.parquet",
            "positions/event_date=2024-02-29/event_hour=00/p1.parquet",
            "positions/event_date=2025-10-31/event_hour=12/p2.parquet");
    static final List<String> KEPT = List.of(
            "_erasures/old_20240101T000000000Z.json",
            "env_readings/compaction/not-a-partition.parquet",
            "env_readings/event_date=2025-11-01/event_hour=00/e4.parquet",
            "env_readings/event_date=2025-11-02/event_hour=10/e5.parquet",
            "positions/event_date=2025-11-01/event_hour=00/p3.parquet");

    @TempDir
    Path dir;

    private LakeStorage storage;

    @AfterEach
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    static void put(LakeStorage storage, List<String> keys) {
        for (String key : keys) {
            storage.write(key, file -> {
                try (OutputStream out = file.createOrOverwrite(0)) {
                    out.write(key.getBytes(StandardCharsets.UTF_8));
                }
            });
        }
    }

    /** Both families: the partitions before the cutoff's day go whole, that day and later stay, and so does what is no partition. */
    public static void dropsTheDaysBeforeTheCutoff(LakeStorage storage) {
        put(storage, EXPIRED);
        put(storage, KEPT);
        LakeRetention retention = new LakeRetention(storage, 400, HOUR, Clock.fixed(NOW, ZoneOffset.UTC));

        assertThat(retention.cutoff()).isEqualTo(Instant.parse("2025-11-01T00:00:00Z"));
        assertThat(retention.dropExpired()).containsExactly(
                new DroppedPartition("env_readings/event_date=2025-10-30/", 1),
                new DroppedPartition("env_readings/event_date=2025-10-31/", 2),
                new DroppedPartition("positions/event_date=2024-02-29/", 1),
                new DroppedPartition("positions/event_date=2025-10-31/", 1));

        assertThat(storage.list("")).containsExactlyElementsOf(KEPT);
        assertThat(storage.listDirectories("env_readings")).containsExactly("compaction", "event_date=2025-11-01",
                "event_date=2025-11-02");
        assertThat(retention.dropExpired()).as("nothing left to drop").isEmpty();
    }

    @Test
    void dropsTheDaysBeforeTheCutoffInBothFamiliesAndKeepsTheCutoffDayAndLater() {
        storage = new LocalLakeStorage(dir.resolve("lake"));
        dropsTheDaysBeforeTheCutoff(storage);
        assertThat(dir.resolve("lake/env_readings/event_date=2025-10-31")).doesNotExist();
        assertThat(dir.resolve("lake/positions")).isDirectory();
    }

    @Test
    void theCutoffIsTheStartOfTheUtcDayHoldingNowMinusTheDaysWhateverTheTimeOfDay() {
        storage = new LocalLakeStorage(dir.resolve("lake"));
        for (String now : List.of("2026-12-06T00:00:00Z", "2026-12-06T23:59:59.999Z")) {
            LakeRetention retention = new LakeRetention(storage, 1, HOUR, Clock.fixed(Instant.parse(now), ZoneOffset.UTC));
            assertThat(retention.cutoff()).as(now).isEqualTo(Instant.parse("2026-12-05T00:00:00Z"));
            assertThat(retention.expiry().cutoff()).isEqualTo(retention.cutoff());
            assertThat(retention.expiry().rule()).isEqualTo("the lake keeps 1 days, whole event_date partitions");
        }
    }

    @Test
    void zeroDaysKeepsEverything() {
        storage = new LocalLakeStorage(dir.resolve("lake"));
        put(storage, EXPIRED);
        LakeRetention retention = new LakeRetention(storage, 0, HOUR, Clock.fixed(NOW, ZoneOffset.UTC));

        assertThat(retention.cutoff()).isNull();
        assertThat(retention.expiry()).isNull();
        retention.checkIfDue();
        assertThat(retention.dropExpired()).isEmpty();
        assertThat(storage.list("")).containsExactlyElementsOf(EXPIRED);
    }

    @Test
    void checksFirstWhenAskedThenOncePerIntervalAndAFailedDropIsTriedAgainAtTheNextCheck() {
        RecordingStorage recording = new RecordingStorage(new LocalLakeStorage(dir.resolve("lake")));
        storage = recording;
        TestClock clock = new TestClock(NOW);
        LakeRetention retention = new LakeRetention(recording, 400, HOUR, clock);
        put(recording, EXPIRED.subList(0, 1));

        retention.checkIfDue();
        assertThat(recording.list("env_readings")).isEmpty();

        put(recording, EXPIRED.subList(1, 3));
        clock.advance(Duration.ofMinutes(59));
        recording.listed.clear();
        retention.checkIfDue();
        assertThat(recording.listed).as("not due yet: not even a listing").isEmpty();
        clock.advance(Duration.ofMinutes(1));
        retention.checkIfDue();
        assertThat(recording.list("env_readings")).isEmpty();

        put(recording, EXPIRED.subList(3, 5));
        recording.failDeletes(1);
        clock.advance(Duration.ofHours(1));
        retention.checkIfDue(); // logged, not thrown; the check stops at the failure
        assertThat(recording.list("positions")).hasSize(2);
        clock.advance(Duration.ofMinutes(30));
        retention.checkIfDue();
        assertThat(recording.list("positions")).as("not due again before the interval").hasSize(2);
        clock.advance(Duration.ofMinutes(30));
        retention.checkIfDue();
        assertThat(recording.list("positions")).isEmpty();
    }

    @Test
    void onlyEventDateDirectoriesWithARealDateArePartitions() {
        assertThat(LakeRetention.date("event_date=2024-02-29")).isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(LakeRetention.date("event_date=2025-02-29")).isNull();
        assertThat(LakeRetention.date("event_date=2025-13-01")).isNull();
        assertThat(LakeRetention.date("event_date=+10000-01-01")).isNull();
        assertThat(LakeRetention.date("event_date=2025-11-01.bak")).isNull();
        assertThat(LakeRetention.date("compaction")).isNull();
    }
}
