package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.RefusedRow;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader on a real PostgreSQL: rows the database refuses for their data are isolated, every
 * other row is loaded once with the ledger entry, and a replay is a no-op.
 */
class BatchLoaderIT {

    @TempDir
    static Path dir;

    static PostgresServer postgres;

    @BeforeAll
    static void start() throws SQLException {
        postgres = PostgresServer.start(dir.resolve("pg"), Ports.freePort("127.0.0.1"), dir.resolve("pg.log"));
        try (Connection sql = connection()) {
            OperatorRules.temperatureCheck(sql);
        }
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void rowsTheDatabaseRefusesAreIsolatedEveryOtherRowIsLoadedOnceAndAReplayIsANoOp() throws Exception {
        List<EnvReading> readings = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double temperature = i == 0 || i == 17 || i == 39 ? 900.0 : 20.0 + i;
            String device = i == 8 ? "iso\u0000" : "iso-" + (i % 5);
            readings.add(TestBatches.env(device, "r" + i, TestBatches.T0, temperature));
        }
        Batch batch = TestBatches.decoded(TestBatches.envBatch(3, 0, readings));
        BatchLoader loader = new BatchLoader("iot", "loaded_batches");
        List<RefusedRow> deadLetters = new ArrayList<>();

        BatchLoader.Result result;
        try (Connection sql = session()) {
            result = loader.load(sql, batch, RowCheck.admit(batch), deadLetters::addAll);
        }

        assertThat(result.inserted()).isEqualTo(36);
        assertThat(result.refused()).isEqualTo(4);
        assertThat(deadLetters).extracting(RefusedRow::position, RefusedRow::reason).containsExactly(
                tuple(0, "database:23514"), tuple(8, "control-character:device_id"), tuple(17, "database:23514"),
                tuple(39, "database:23514"));
        assertThat(deadLetters.get(2).deviceId()).isEqualTo("iso-2");
        assertThat(deadLetters.get(2).messageId()).isEqualTo("r17");
        assertThat(deadLetters.get(2).message()).contains("temperature_physical");
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE device_id LIKE 'iso-%'")).isEqualTo(36);
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE message_id IN ('r0', 'r8', 'r17', 'r39')")).isZero();
        assertThat(count("SELECT rows_inserted * 1000 + rows_refused FROM iot.loaded_batches WHERE batch_id = '"
                + batch.batchId() + "'")).isEqualTo(36_004);

        List<RefusedRow> replayed = new ArrayList<>();
        try (Connection sql = session()) {
            assertThat(loader.load(sql, batch, RowCheck.admit(batch), replayed::addAll).alreadyLoaded()).isTrue();
        }
        assertThat(replayed).isEmpty();
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE device_id LIKE 'iso-%'")).isEqualTo(36);
    }

    @Test
    void whenTheDeadLettersCannotBeWrittenNothingOfTheBatchIsLoaded() throws Exception {
        Batch batch = TestBatches.decoded(TestBatches.envBatch(4, 0, List.of(TestBatches.env("dl-1", "a", TestBatches.T0, 20.0),
                TestBatches.env("dl-2", "b", TestBatches.T0, 500.0))));
        BatchLoader loader = new BatchLoader("iot", "loaded_batches");
        try (Connection sql = session()) {
            assertThatThrownBy(() -> loader.load(sql, batch, RowCheck.admit(batch), refused -> {
                throw new IllegalStateException("the dead-letter topic is unreachable");
            })).hasMessageContaining("unreachable");
        }
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE device_id LIKE 'dl-%'")).isZero();
        assertThat(count("SELECT count(*) FROM iot.loaded_batches WHERE batch_id = '" + batch.batchId() + "'")).isZero();

        List<RefusedRow> deadLetters = new ArrayList<>();
        try (Connection sql = session()) {
            assertThat(loader.load(sql, batch, RowCheck.admit(batch), deadLetters::addAll).inserted()).isEqualTo(1);
        }
        assertThat(deadLetters).extracting(RefusedRow::messageId).containsExactly("b");
    }

    /**
     * The common path copies straight into the table; a batch that collides with rows already
     * there (the same readings replayed under another batch id, a reading twice in one batch)
     * falls back to staging and ON CONFLICT: each reading is stored once, the new ones are
     * inserted, and a row the database refuses in such a batch is still isolated alone.
     */
    @Test
    void aBatchOverlappingRowsAlreadyInTheTableStoresEachReadingOnce() throws Exception {
        List<EnvReading> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            first.add(TestBatches.env("col-" + (i % 3), "c" + i, TestBatches.T0.plusSeconds(i), 20.0 + i));
        }
        List<EnvReading> overlapping = new ArrayList<>(first.subList(5, 10)); // replayed under a new batch id
        for (int i = 10; i < 3010; i++) { // several COPY chunks after the collision at its start
            overlapping.add(TestBatches.env("col-" + (i % 3), "c" + i, TestBatches.T0.plusSeconds(i), i == 12 ? 900.0 : 20.0 + i % 50));
        }
        overlapping.add(TestBatches.env("col-1", "c13", TestBatches.T0.plusSeconds(13), 33.0)); // twice in the batch
        BatchLoader loader = new BatchLoader("iot", "loaded_batches");
        Batch a = TestBatches.decoded(TestBatches.envBatch(5, 0, first));
        Batch b = TestBatches.decoded(TestBatches.envBatch(6, 0, overlapping));
        List<RefusedRow> deadLetters = new ArrayList<>();

        BatchLoader.Result loadedA;
        BatchLoader.Result loadedB;
        try (Connection sql = session()) {
            loadedA = loader.load(sql, a, RowCheck.admit(a), deadLetters::addAll);
            loadedB = loader.load(sql, b, RowCheck.admit(b), deadLetters::addAll);
        }

        assertThat(loadedA.inserted()).isEqualTo(10);
        assertThat(loadedB.inserted()).isEqualTo(2999); // c10..c3009 but c12; c5..c9 are there already, c12 is refused
        assertThat(deadLetters).extracting(RefusedRow::messageId, RefusedRow::reason).containsExactly(tuple("c12", "database:23514"));
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE device_id LIKE 'col-%'")).isEqualTo(3009);
        assertThat(count("SELECT count(DISTINCT message_id) FROM iot.env_readings WHERE device_id LIKE 'col-%'")).isEqualTo(3009);
        assertThat(count("SELECT count(*) FROM iot.env_readings WHERE message_id = 'c7' AND temperature_c = 27.0")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM iot.loaded_batches WHERE batch_id IN ('" + a.batchId() + "', '" + b.batchId()
                + "')")).isEqualTo(2);
        assertThat(count("SELECT rows_inserted * 1000 + rows_refused FROM iot.loaded_batches WHERE batch_id = '" + b.batchId()
                + "'")).isEqualTo(2_999_001);
    }

    /**
     * Binary COPY needs the column types the sink creates: a column an operator changed, before the
     * task started or while it runs, makes the loader send CSV, which PostgreSQL casts, and nothing
     * is refused for it.
     */
    @Test
    void aColumnWhoseTypeAnOperatorChangedStillLoads() throws Exception {
        BatchLoader running = new BatchLoader("typed", "loaded_batches");
        Batch before = TestBatches.decoded(TestBatches.envBatch(7, 0, List.of(TestBatches.env("typ-1", "t1", TestBatches.T0, 21.5))));
        Batch during = TestBatches.decoded(TestBatches.envBatch(7, 1, List.of(TestBatches.env("typ-1", "t2", TestBatches.T0, 22.5))));
        Batch after = TestBatches.decoded(TestBatches.envBatch(7, 2, List.of(TestBatches.env("typ-1", "t3", TestBatches.T0, 23.5))));
        List<RefusedRow> deadLetters = new ArrayList<>();
        try (Connection sql = session()) {
            assertThat(running.load(sql, before, RowCheck.admit(before), deadLetters::addAll).inserted()).isEqualTo(1);
            try (Statement ddl = sql.createStatement()) {
                ddl.execute("ALTER TABLE typed.env_readings ALTER COLUMN temperature_c TYPE real");
            }
            sql.commit();
            assertThat(running.load(sql, during, RowCheck.admit(during), deadLetters::addAll).inserted()).isEqualTo(1);
            BatchLoader restarted = new BatchLoader("typed", "loaded_batches");
            assertThat(restarted.load(sql, after, RowCheck.admit(after), deadLetters::addAll).inserted()).isEqualTo(1);
        }
        assertThat(deadLetters).isEmpty();
        assertThat(count("SELECT count(*) FROM typed.env_readings WHERE temperature_c IN (21.5, 22.5, 23.5)")).isEqualTo(3);
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD);
    }

    private static Connection session() throws SQLException {
        Connection sql = connection();
        sql.setAutoCommit(false);
        return sql;
    }

    private static long count(String query) throws SQLException {
        try (Connection sql = connection(); ResultSet rows = sql.createStatement().executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
