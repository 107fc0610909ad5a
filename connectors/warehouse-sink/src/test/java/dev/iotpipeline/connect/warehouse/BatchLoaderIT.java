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
