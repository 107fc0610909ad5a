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

/**
 * The warehouse sink's write path (decode a batch from the Confluent wire format, the row check, COPY into
 * staging, INSERT ... ON CONFLICT DO NOTHING, ledger, commit; one transaction per batch) against a
 * bare COPY of the same rows, as CSV prepared in advance, into a table of the same definition
 * (same unique index), one COPY per batch. Both on the same embedded PostgreSQL, each into empty
 * tables. Arguments: readings, readings per batch.
 */
public final class WarehouseSinkBenchmark {

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
            System.out.printf("%,d env readings in %,d batches of %,d, embedded PostgreSQL 17%n", total, wire.size(), perBatch);

            try (Connection sql = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD)) {
                sql.setAutoCommit(false);
                BatchLoader loader = new BatchLoader("iot", "batch_ledger");
                long started = System.nanoTime();
                for (byte[] batch : wire) {
                    Batch decoded = decoder.decode("iot.batch.env_reading", batch);
                    loader.load(sql, decoded, RowCheck.admit(decoded), refused -> { });
                }
                report("warehouse sink (decode, COPY to staging, INSERT ON CONFLICT, ledger; a transaction per batch)", total,
                        System.nanoTime() - started, count(sql, "iot.env_readings"));

                try (Statement ddl = sql.createStatement()) {
                    ddl.execute("CREATE TABLE iot.bare_env_readings (LIKE iot.env_readings INCLUDING ALL)");
                }
                sql.commit();
                String columns = String.join(", ", EnvReading.getClassSchema().getFields().stream().map(f -> f.name()).toList());
                var copy = sql.unwrap(PGConnection.class).getCopyAPI();
                started = System.nanoTime();
                for (String rows : csv) {
                    copy.copyIn("COPY iot.bare_env_readings (" + columns + ") FROM STDIN (FORMAT csv)", new StringReader(rows));
                    sql.commit();
                }
                report("bare COPY of the same rows (CSV prepared in advance; same columns and indexes)", total,
                        System.nanoTime() - started, count(sql, "iot.bare_env_readings"));
            }
        }
    }

    private static long count(Connection sql, String table) throws Exception {
        try (ResultSet rows = sql.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            long count = rows.getLong(1);
            sql.commit();
            return count;
        }
    }

    private static void report(String what, int rows, long nanos, long stored) {
        System.out.printf("%-100s %,10.0f rows/s  (%,d rows in %.2f s, %,d stored)%n", what, rows / (nanos / 1e9), rows, nanos / 1e9,
                stored);
    }
}
