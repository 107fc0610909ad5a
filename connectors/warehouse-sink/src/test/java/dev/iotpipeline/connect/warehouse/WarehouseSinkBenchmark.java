package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.BatchDecoder;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.batch.BatchCloseReason;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The warehouse sink's write path (decode a batch from the Confluent wire format, the row check,
 * COPY into the table, ledger, commit; one transaction per batch) against a bare COPY of the same
 * rows prepared in advance, as CSV and in PostgreSQL's binary format, into a table of the same
 * definition (same unique index and indexes), one COPY and commit per batch. All on the same
 * embedded PostgreSQL, each round into emptied tables, one warm-up round, then the median of
 * {@value #ROUNDS}; each phase runs in a thread of its own name. The sink is measured without the
 * rollups (the figure against COPY) and with them (what keeping them exact costs). Arguments:
 * readings, readings per batch.
 */
public final class WarehouseSinkBenchmark {

    private static final int ROUNDS = 5;

    public static void main(String[] args) throws Exception {
        int readings = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path dir = Files.createTempDirectory("warehouse-bench-");
        try (PostgresServer postgres = PostgresServer.start(dir.resolve("pg"), Ports.freePort("127.0.0.1"), dir.resolve("pg.log"))) {
            List<byte[]> wire = new ArrayList<>();
            List<String> csv = new ArrayList<>();
            InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
            ConfluentAvroSerializer<EnvReadingBatch> serializer = new ConfluentAvroSerializer<>(registry);
            BatchDecoder decoder = new BatchDecoder(registry);
            Random random = new Random(7);
            Instant t0 = Instant.parse("2026-11-30T00:00:00Z");
            for (int b = 0; b * perBatch < readings; b++) {
                List<EnvReading> records = new ArrayList<>();
                for (int i = 0; i < perBatch; i++) {
                    long n = (long) b * perBatch + i;
                    Instant time = t0.plusMillis(n * 10);
                    records.add(EnvReading.newBuilder().setDeviceId(String.format("env-%05d", n % 10_000)).setEventTime(time)
                            .setIngestTime(time.plusMillis(300)).setSourceFormat("env-sensor/v2").setFirmware("2.3.1")
                            .setTemperatureC(Math.round((15 + random.nextDouble() * 10) * 100) / 100.0)
                            .setHumidityPct(Math.round((30 + random.nextDouble() * 30) * 100) / 100.0).setBatteryPct(null)
                            .setBatteryV(3.7).setSensorFault(false).setLowBattery(false).setMessageId("m-" + n).build());
                }
                BatchInfo info = BatchInfo.newBuilder().setBatchId("env_reading-0-" + b).setFamily("env_reading")
                        .setSourceTopic("iot.canonical.env_reading").setSourcePartition(0).setSequence(b)
                        .setFirstOffset((long) b * perBatch).setLastOffset((long) b * perBatch + perBatch - 1).setRecordCount(perBatch)
                        .setMinEventTime(t0).setMaxEventTime(t0).setOpenedTime(t0).setClosedTime(t0)
                        .setCloseReason(BatchCloseReason.MAX_RECORDS).build();
                byte[] bytes = serializer.serialize("iot.batch.env_reading", new EnvReadingBatch(info, records));
                wire.add(bytes);
                Batch decoded = decoder.decode("iot.batch.env_reading", bytes);
                csv.add(CsvRows.of(decoded.readings(), decoded.readingSchema()));
            }
            int total = wire.size() * perBatch;
            System.out.printf("%,d env readings in %,d batches of %,d, embedded PostgreSQL 17, %d rounds after a warm-up%n", total,
                    wire.size(), perBatch, ROUNDS);

            try (Connection sql = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD)) {
                sql.setAutoCommit(false);
                BatchLoader loader = new BatchLoader("iot", "batch_ledger", false);
                BatchLoader withRollups = new BatchLoader("iot", "batch_ledger", true);
                Batch first = decoder.decode("iot.batch.env_reading", wire.get(0));
                withRollups.load(sql, first, RowCheck.admit(first), refused -> { }); // creates the tables
                try (Statement ddl = sql.createStatement()) {
                    ddl.execute("CREATE TABLE iot.bare_env_readings (LIKE iot.env_readings INCLUDING ALL)");
                }
                sql.commit();
                String columns = String.join(", ", EnvReading.getClassSchema().getFields().stream().map(f -> f.name()).toList());
                CopyManager copy = sql.unwrap(PGConnection.class).getCopyAPI();
                List<byte[]> binary = new ArrayList<>();
                List<Double> sinks = new ArrayList<>();
                List<Double> rollupSinks = new ArrayList<>();
                List<Double> csvs = new ArrayList<>();
                List<Double> binaries = new ArrayList<>();
                List<Double> ratios = new ArrayList<>();
                for (int round = 0; round <= ROUNDS; round++) {
                    truncate(sql);
                    double sinkRate = timed("bench-sink", total, () -> loadAll(sql, loader, decoder, wire));
                    check(sql, "iot.env_readings", total);
                    truncate(sql);
                    double rollupRate = timed("bench-sink-rollups", total, () -> loadAll(sql, withRollups, decoder, wire));
                    check(sql, "iot.env_readings", total);
                    if (binary.isEmpty()) { // PostgreSQL's own binary COPY encoding of the same rows, prepared in advance
                        for (int b = 0; b < wire.size(); b++) {
                            ByteArrayOutputStream out = new ByteArrayOutputStream();
                            copy.copyOut("COPY (SELECT " + columns + " FROM iot.env_readings WHERE event_time >= '"
                                    + t0.plusMillis(10L * b * perBatch) + "' AND event_time < '" + t0.plusMillis(10L * (b + 1) * perBatch)
                                    + "' ORDER BY event_time) TO STDOUT (FORMAT binary)", out);
                            binary.add(out.toByteArray());
                        }
                        sql.commit();
                    }
                    double csvRate = timed("bench-bare-csv", total, () -> {
                        for (String rows : csv) {
                            copy.copyIn("COPY iot.bare_env_readings (" + columns + ") FROM STDIN (FORMAT csv)", new StringReader(rows));
                            sql.commit();
                        }
                    });
                    check(sql, "iot.bare_env_readings", total);
                    truncate(sql);
                    double binRate = timed("bench-bare-binary", total, () -> {
                        for (byte[] rows : binary) {
                            copy.copyIn("COPY iot.bare_env_readings (" + columns + ") FROM STDIN (FORMAT binary)",
                                    new ByteArrayInputStream(rows));
                            sql.commit();
                        }
                    });
                    check(sql, "iot.bare_env_readings", total);
                    if (round > 0) {
                        System.out.printf("round %d: warehouse sink %,.0f rows/s (with rollups %,.0f), bare COPY csv %,.0f rows/s, "
                                + "bare COPY binary %,.0f rows/s%n", round, sinkRate, rollupRate, csvRate, binRate);
                        sinks.add(sinkRate);
                        rollupSinks.add(rollupRate);
                        csvs.add(csvRate);
                        binaries.add(binRate);
                        ratios.add(sinkRate / Math.max(csvRate, binRate));
                    }
                }
                double sinkMedian = median(sinks);
                double csvMedian = median(csvs);
                double binMedian = median(binaries);
                double bare = Math.max(csvMedian, binMedian);
                System.out.printf("median: warehouse sink (decode, row check, binary COPY into the table, ledger; a transaction per "
                        + "batch) %,.0f rows/s%n", sinkMedian);
                System.out.printf("median: bare COPY, CSV prepared in advance %,.0f rows/s; bare COPY, binary prepared in advance "
                        + "%,.0f rows/s%n", csvMedian, binMedian);
                System.out.printf("ratio: %.2f of the faster bare COPY (%.2f of CSV, %.2f of binary); median of the rounds' ratios "
                        + "to the faster: %.2f%n", sinkMedian / bare, sinkMedian / csvMedian, sinkMedian / binMedian, median(ratios));
                double rollupMedian = median(rollupSinks);
                System.out.printf("median: warehouse sink keeping the rollups exact (env_readings_1m and _1h) %,.0f rows/s: "
                        + "%.2f of the sink without them, %.2f of the faster bare COPY%n", rollupMedian, rollupMedian / sinkMedian,
                        rollupMedian / bare);
            }
        }
    }

    /** The sink's write path: each batch decoded from the wire format, checked and loaded in a transaction of its own. */
    private static void loadAll(Connection sql, BatchLoader loader, BatchDecoder decoder, List<byte[]> wire) throws Exception {
        for (byte[] batch : wire) {
            Batch decoded = decoder.decode("iot.batch.env_reading", batch);
            loader.load(sql, decoded, RowCheck.admit(decoded), refused -> { });
        }
    }

    private interface Phase {
        void run() throws Exception;
    }

    /** Rows/s of one phase, run in a thread of its own name (so a JFR recording can tell the phases apart). */
    private static double timed(String name, int rows, Phase phase) throws Exception {
        Exception[] failure = new Exception[1];
        long[] nanos = new long[1];
        Thread thread = new Thread(() -> {
            long started = System.nanoTime();
            try {
                phase.run();
            } catch (Exception e) {
                failure[0] = e;
            }
            nanos[0] = System.nanoTime() - started;
        }, name);
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        return rows / (nanos[0] / 1e9);
    }

    private static void truncate(Connection sql) throws Exception {
        try (Statement ddl = sql.createStatement()) {
            ddl.execute("TRUNCATE iot.env_readings, iot.batch_ledger, iot.bare_env_readings, iot.env_readings_1m, iot.env_readings_1h");
        }
        sql.commit();
    }

    private static void check(Connection sql, String table, long expected) throws Exception {
        long stored = count(sql, table);
        if (stored != expected) {
            throw new IllegalStateException(table + " holds " + stored + " rows, expected " + expected);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static long count(Connection sql, String table) throws Exception {
        try (ResultSet rows = sql.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            long count = rows.getLong(1);
            sql.commit();
            return count;
        }
    }
}
