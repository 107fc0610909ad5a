package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.connect.common.BatchLoad;
import dev.iotpipeline.connect.common.TaskMetrics;
import dev.iotpipeline.embedded.ConnectWorker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.testing.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL killed (SIGKILL of the postmaster and every backend) while batches keep arriving, and
 * kept down for 60 s: the task retries (its {@code retries-total} metric counts it), stays running,
 * and once the database is back every reading is in the warehouse exactly once.
 */
class WarehouseSinkFaultIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    static final String TOPIC = "iot.batch.env_reading";
    static final Duration OUTAGE = Duration.ofSeconds(60);
    static final int PER_BATCH = 50;

    @TempDir
    static Path dir;

    static int port;
    static PostgresServer postgres;
    static ConnectWorker connect;

    @BeforeAll
    static void start() {
        port = Ports.freePort("127.0.0.1");
        postgres = PostgresServer.start(dir.resolve("pg"), port, dir.resolve("pg.log"));
        KAFKA.createTopics(1, TOPIC, WarehouseSinkIT.DLQ);
        connect = ConnectWorker.start(KAFKA.bootstrapServers(), Ports.freePort("127.0.0.1"), dir.resolve("connect"));
        Map<String, String> config = WarehouseSinkIT.connectorConfig(postgres.jdbcUrl(), TOPIC, KAFKA.registryUrl());
        config.put("tasks.max", "1");
        config.put("retry.backoff.ms", "1000");
        connect.putConnector("warehouse-fault", config);
    }

    @AfterAll
    static void stop() {
        if (connect != null) {
            connect.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aKilledDatabaseDownForAMinuteIsRetriedAndLosesAndDoublesNothing() throws Exception {
        BatchLoad load = BatchLoad.start(KAFKA.producerConfig(), KAFKA.registryUrl(), TOPIC, PER_BATCH);
        try (load) {
            await().atMost(Duration.ofSeconds(60)).until(() -> safeCount("SELECT count(*) FROM iot.loaded_batches") >= 5);

            killPostgres();
            await().atMost(Duration.ofSeconds(30)).until(() -> retries() > 0);
            int sentBeforeOutage = load.batches();
            // Down for the whole outage while batches keep coming; the task never fails.
            await().during(OUTAGE).atMost(OUTAGE.plusSeconds(30)).until(() -> "RUNNING".equals(taskState()));
            assertThat(load.batches()).as("batches kept arriving during the outage").isGreaterThan(sentBeforeOutage);
            long retriesDuringOutage = retries();

            releaseKilled();
            postgres = PostgresServer.start(dir.resolve("pg"), port, dir.resolve("pg.log"));
            await().atMost(Duration.ofSeconds(30)).until(() -> safeCount("SELECT count(*) FROM iot.loaded_batches") > sentBeforeOutage);
            assertThat(retriesDuringOutage).as("retries counted by the task's metric").isGreaterThan(1);
        }

        long expected = (long) load.batches() * PER_BATCH;
        await().atMost(Duration.ofSeconds(120)).until(() -> safeCount("SELECT count(*) FROM iot.env_readings") == expected);
        assertThat(count("SELECT count(DISTINCT (device_id, message_id)) FROM iot.env_readings")).isEqualTo(expected);
        assertThat(count("SELECT count(*) FROM iot.loaded_batches")).isEqualTo(load.batches());
        assertThat(taskState()).isEqualTo("RUNNING");
    }

    /** SIGKILL to the postmaster and all its backends, as a crash or an OOM kill would do. */
    private static void killPostgres() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(dir.resolve("pg").resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.add(postmaster);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : all) {
            process.onExit().get();
        }
    }

    /** The killed server's handle still holds this JVM's lock on the data directory; its stop finds no server. */
    private static void releaseKilled() {
        try {
            postgres.close();
        } catch (IllegalStateException expected) {
            // pg_ctl stop has nothing to stop.
        }
    }

    private static long retries() {
        return TaskMetrics.total("warehouse-fault", "retries-total");
    }

    private static String taskState() {
        return connect.status("warehouse-fault").tasks().get(0).state();
    }

    private static long count(String query) throws SQLException {
        try (Connection sql = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD);
             ResultSet rows = sql.createStatement().executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static long safeCount(String query) {
        try {
            return count(query);
        } catch (SQLException e) {
            return -1;
        }
    }
}
