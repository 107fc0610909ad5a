package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.Expiry;
import dev.iotpipeline.connect.common.RefusedRow;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monthly partitions, retention and device erasure on a real PostgreSQL: months come and go as
 * partitions, late readings of an expired month are refused as expired, rollups keep only what
 * their own retention keeps and still equal their raw rows, a table of an earlier version is
 * converted with its rows, and an erased device's rows are gone and stay gone.
 */
class RetentionIT {

    static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

    @TempDir
    static Path dir;

    static PostgresServer postgres;
    static final AtomicLong OFFSETS = new AtomicLong();

    @BeforeAll
    static void start() {
        postgres = PostgresServer.start(dir.resolve("pg"), Ports.freePort("127.0.0.1"), dir.resolve("pg.log"));
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void empty() throws SQLException {
        execute("DROP SCHEMA IF EXISTS iot CASCADE");
    }

    private static Retention retention(Instant now) {
        return new Retention("iot", WarehouseSinkConfig.RETENTION_DEFAULTS, Clock.fixed(now, ZoneOffset.UTC), 5_000);
    }

    @Test
    void monthsArePartitionsAndExpiredMonthsAreDroppedWhileTheirLateReadingsAreRefused() throws Exception {
        BatchLoader loader = new BatchLoader("iot", "loaded_batches", true, retention(NOW));
        // now - 400 days is 2025-11-01T10:00Z: November 2025 is the oldest month kept.
        load(loader, retention(NOW), env("a", Instant.parse("2025-10-31T23:59:59Z")), env("b", Instant.parse("2025-11-01T00:00:00Z")),
                env("c", Instant.parse("2026-06-15T12:00:00Z")), env("d", NOW.minusSeconds(60)));

        assertThat(partitions("env_readings")).containsExactly("env_readings_y2025m11", "env_readings_y2026m06", "env_readings_y2026m12");
        assertThat(column("SELECT message_id FROM iot.env_readings ORDER BY event_time")).containsExactly("b", "c", "d");

        // A year on: everything before 2026-11 has expired.
        Instant later = NOW.plus(Duration.ofDays(365));
        BatchLoader laterLoader = new BatchLoader("iot", "loaded_batches", true, retention(later));
        Retention.Removed removed;
        try (Connection sql = session()) {
            removed = laterLoader.maintain(sql);
        }
        assertThat(removed.partitionsDropped()).containsEntry("env_readings", List.of("env_readings_y2025m11", "env_readings_y2026m06"));
        assertThat(partitions("env_readings")).containsExactly("env_readings_y2026m12", "env_readings_y2027m12", "env_readings_y2028m01");
        assertThat(column("SELECT message_id FROM iot.env_readings")).containsExactly("d");
        // 1-minute rollups keep 90 days: d's minute went with its day; hourly rollups keep everything.
        assertThat(column("SELECT device_id FROM iot.env_readings_1m")).isEmpty();
        assertThat(column("SELECT device_id || ' ' || reading_count FROM iot.env_readings_1h ORDER BY bucket_start"))
                .containsExactly("dev 1", "dev 1", "dev 1");

        // A late reading of a dropped month is refused, one of a kept month is stored.
        List<RefusedRow> refused = load(laterLoader, retention(later), env("late-gone", Instant.parse("2026-06-15T13:00:00Z")),
                env("late-kept", Instant.parse("2026-12-20T08:00:00Z")));
        assertThat(refused).extracting(RefusedRow::messageId, RefusedRow::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("late-gone", Expiry.REASON));
        assertThat(refused.get(0).message()).contains("iot.env_readings keeps 400 days, in whole months");
        assertThat(partitions("env_readings")).doesNotContain("env_readings_y2026m06");
        assertThat(column("SELECT message_id FROM iot.env_readings ORDER BY event_time")).containsExactly("d", "late-kept");
        // The late reading is a year old: its hour is kept, its minute (past 90 days) is not created.
        assertThat(column("SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24') FROM iot.env_readings_1h "
                + "WHERE bucket_start >= '2026-12-20' ORDER BY 1")).containsExactly("2026-12-20 08");
        assertThat(column("SELECT device_id FROM iot.env_readings_1m")).isEmpty();
    }

    @Test
    void aReadingDeliveredTwiceInTwoMonthsBatchesIsStoredOnceAndRollupsMatchTheRawRows() throws Exception {
        BatchLoader loader = new BatchLoader("iot", "loaded_batches", true, retention(NOW));
        EnvReading first = env("m1", Instant.parse("2026-11-30T23:59:00Z"));
        load(loader, retention(NOW), first, env("m2", Instant.parse("2026-12-01T00:01:00Z")));
        load(loader, retention(NOW), first, env("m3", Instant.parse("2026-12-01T00:02:00Z")));

        assertThat(column("SELECT message_id FROM iot.env_readings ORDER BY event_time")).containsExactly("m1", "m2", "m3");
        assertThat(column("SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'MM-DD HH24') || ' ' || reading_count "
                + "FROM iot.env_readings_1h ORDER BY bucket_start")).containsExactly("11-30 23 1", "12-01 00 2");
    }

    @Test
    void aTableOfAnEarlierVersionIsConvertedWithItsRowsAndItsExtraColumns() throws Exception {
        execute("CREATE SCHEMA iot");
        execute(TableDefinitions.createTable("iot", "env_readings", EnvReading.getClassSchema())
                .replace(", UNIQUE (device_id, message_id, event_time)) PARTITION BY RANGE (event_time)", ", UNIQUE (device_id, message_id))"));
        execute("ALTER TABLE iot.env_readings ADD COLUMN site text");
        execute("INSERT INTO iot.env_readings (device_id, event_time, ingest_time, source_format, sensor_fault, message_id, site) "
                + "VALUES ('old', '2026-09-01T00:00:00Z', now(), 'env-sensor/v1', false, 'o1', 'plant 7'), "
                + "('old', '2026-10-01T00:00:00Z', now(), 'env-sensor/v1', false, 'o2', null)");

        BatchLoader loader = new BatchLoader("iot", "loaded_batches", true, retention(NOW));
        load(loader, retention(NOW), env("n1", NOW));

        assertThat(partitions("env_readings")).containsExactly("env_readings_y2026m09", "env_readings_y2026m10", "env_readings_y2026m12");
        assertThat(column("SELECT message_id || ' ' || coalesce(site, '-') FROM iot.env_readings ORDER BY event_time"))
                .containsExactly("o1 plant 7", "o2 -", "n1 -");
    }

    @Test
    void aTableThatCannotBeConvertedStaysAsItIsAndRetentionDeletesItsExpiredRows() throws Exception {
        execute("CREATE SCHEMA iot");
        execute(TableDefinitions.createTable("iot", "env_readings", EnvReading.getClassSchema())
                .replace(", UNIQUE (device_id, message_id, event_time)) PARTITION BY RANGE (event_time)", ", UNIQUE (device_id, message_id))"));
        execute("CREATE VIEW iot.analyst_view AS SELECT device_id, event_time FROM iot.env_readings");

        BatchLoader loader = new BatchLoader("iot", "loaded_batches", true, retention(NOW));
        load(loader, retention(NOW), env("n1", NOW), env("n2", Instant.parse("2025-11-02T00:00:00Z")));
        assertThat(partitions("env_readings")).isEmpty();

        Instant later = NOW.plus(Duration.ofDays(60)); // cutoff 2026-01-01
        try (Connection sql = session()) {
            Retention.Removed removed = new BatchLoader("iot", "loaded_batches", true, retention(later)).maintain(sql);
            assertThat(removed.rowsDeleted()).containsEntry("env_readings", 1L);
        }
        assertThat(column("SELECT device_id FROM iot.analyst_view")).containsExactly("dev");
    }

    @Test
    void anErasedDeviceIsGoneFromEveryTableAndItsReadingsStillOnTheirWayAreNotStoredAgain() throws Exception {
        BatchLoader loader = new BatchLoader("iot", "loaded_batches", true, retention(NOW));
        load(loader, retention(NOW), envOf("gone", "g1", NOW.minusSeconds(120)), envOf("kept", "k1", NOW.minusSeconds(120)));
        loadPositions(loader, position("gone", "p1", NOW.minusSeconds(100)), position("kept", "p2", NOW.minusSeconds(100)));
        Instant erasedAt = NOW.plusSeconds(5);

        DeviceErasure.Erased erased;
        try (Connection sql = session()) {
            erased = new DeviceErasure("iot").erase(sql, "gone", erasedAt);
        }

        assertThat(erased.rowsDeleted()).containsExactly(Map.entry("env_readings", 1L), Map.entry("positions", 1L),
                Map.entry("env_readings_1m", 1L), Map.entry("env_readings_1h", 1L), Map.entry("positions_1h", 1L));
        for (String table : List.of("env_readings", "positions", "env_readings_1m", "env_readings_1h", "positions_1h")) {
            assertThat(column("SELECT DISTINCT device_id FROM iot." + table)).as(table).containsExactly("kept");
        }
        // Still on its way: received before the erasure, loaded after it. Dropped; its batch-mates load.
        EnvReading inFlight = EnvReading.newBuilder(envOf("gone", "g2", NOW.minusSeconds(90))).setIngestTime(NOW).build();
        // The id provisioned again afterwards: its new readings load.
        EnvReading again = EnvReading.newBuilder(envOf("gone", "g3", NOW.plusSeconds(30))).setIngestTime(erasedAt.plusSeconds(25)).build();
        // Refused on its way (an empty message id): not dead-lettered either, the letter would keep its data.
        EnvReading refusedInFlight = EnvReading.newBuilder(envOf("gone", "", NOW.minusSeconds(80))).setIngestTime(NOW).build();
        List<RefusedRow> deadLetters = new ArrayList<>();
        BatchLoader.Result result = loadResult(loader, deadLetters, inFlight, envOf("kept", "k2", NOW.minusSeconds(90)), again,
                refusedInFlight, envOf("kept", "", NOW.minusSeconds(70)));

        assertThat(result.erased()).isEqualTo(2);
        assertThat(deadLetters).extracting(RefusedRow::deviceId).containsExactly("kept");
        assertThat(column("SELECT message_id FROM iot.env_readings ORDER BY message_id")).containsExactly("g3", "k1", "k2");
        assertThat(column("SELECT device_id || ' ' || reading_count FROM iot.env_readings_1h ORDER BY device_id"))
                .containsExactly("gone 1", "kept 2");
    }

    // Helpers.

    private static EnvReading env(String messageId, Instant eventTime) {
        return envOf("dev", messageId, eventTime);
    }

    private static EnvReading envOf(String device, String messageId, Instant eventTime) {
        return TestBatches.env(device, messageId, eventTime, 21.5);
    }

    private static Position position(String device, String messageId, Instant eventTime) {
        return TestBatches.position(device, messageId, eventTime);
    }

    /** Loads the readings as one batch with the retention's expiry, as the task does; the refused readings. */
    private static List<RefusedRow> load(BatchLoader loader, Retention retention, EnvReading... readings) throws SQLException {
        Batch batch = TestBatches.decoded(TestBatches.envBatch(0, OFFSETS.getAndAdd(readings.length), List.of(readings)));
        List<RefusedRow> refused = new ArrayList<>();
        try (Connection sql = session()) {
            loader.load(sql, batch, RowCheck.admit(batch, retention.rawExpiry(MeasurementFamily.ENV_READING)), refused::addAll);
        }
        return refused;
    }

    private static BatchLoader.Result loadResult(BatchLoader loader, List<RefusedRow> deadLetters, EnvReading... readings)
            throws SQLException {
        Batch batch = TestBatches.decoded(TestBatches.envBatch(0, OFFSETS.getAndAdd(readings.length), List.of(readings)));
        try (Connection sql = session()) {
            return loader.load(sql, batch, RowCheck.admit(batch), deadLetters::addAll);
        }
    }

    private static void loadPositions(BatchLoader loader, Position... positions) throws SQLException {
        Batch batch = TestBatches.decoded(TestBatches.positionBatch(0, OFFSETS.getAndAdd(positions.length), List.of(positions)));
        try (Connection sql = session()) {
            loader.load(sql, batch, RowCheck.admit(batch), refused -> { });
        }
    }

    private static List<String> partitions(String table) throws SQLException {
        return column("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = 'iot." + table + "'::regclass ORDER BY 1");
    }

    private static List<String> column(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection sql = connection(); Statement statement = sql.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private static void execute(String statement) throws SQLException {
        try (Connection sql = connection(); Statement s = sql.createStatement()) {
            s.execute(statement);
        }
    }

    private static Connection session() throws SQLException {
        Connection sql = connection();
        sql.setAutoCommit(false);
        return sql;
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), "iot", "iot");
    }
}
