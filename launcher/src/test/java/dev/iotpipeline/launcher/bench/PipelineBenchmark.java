package dev.iotpipeline.launcher.bench;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.launcher.EmbeddedPipeline;
import dev.iotpipeline.launcher.EmbeddedSettings;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The whole pipeline under load: a fleet of simulated devices (every format version, distinct
 * readings, QoS 1 over MQTT) publishes through the bridge at fixed offered rates, stepped up; for
 * each step it reports the readings per second acknowledged and stored in the warehouse and in the
 * lake, and the latency from a reading's PUBACK to its row being visible: the row's commit time in
 * PostgreSQL ({@code pg_xact_commit_timestamp}) and its Parquet file's time in the lake.
 *
 * <p>Baseline from the same run, same fleet: the bridge alone (a broker and the bridge, nothing
 * downstream), publishing as fast as the fleet's windows allow.
 *
 * <p>Arguments: {@code [devices per format] [seconds per step] [offered rates, comma-separated]
 * [batch max age ms]}, defaults {@code 20 20 1000,2000,4000,8000 1000}. A first run at the lowest
 * rate warms the pipeline up (JIT, schema ids, first batches) and is not reported.
 */
public final class PipelineBenchmark {

    private static final String HOST = EmbeddedSettings.HOST;
    /** Seconds at the start of a step that the rates leave out (the previous step's tail, connection warm-up). */
    private static final long WARMUP_MS = 3_000;
    /** The per-device rate limit is off: a hundred devices stand in for a fleet many times larger. */
    private static final String UNLIMITED = "0";

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int perFormat = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int stepSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<Integer> rates = args.length > 2 ? Arrays.stream(args[2].split(",")).map(Integer::parseInt).toList()
                : List.of(1000, 2000, 4000, 8000);
        long maxAgeMs = args.length > 3 ? Long.parseLong(args[3]) : 1000;
        long readingsPerDevice = (long) rates.stream().mapToInt(Integer::intValue).sum() * stepSeconds / (5L * perFormat) * 2 + 10_000;
        Path dir = Files.createTempDirectory("pipeline-bench");
        int code = 0;
        try {
            double bridgeAlone = bridgeAlone(dir.resolve("bridge-only"), perFormat, stepSeconds, readingsPerDevice);
            List<Row> rows = wholePipeline(dir.resolve("pipeline"), perFormat, stepSeconds, rates, maxAgeMs, readingsPerDevice);
            report(perFormat * 5, stepSeconds, maxAgeMs, bridgeAlone, rows);
        } catch (Exception | Error e) {
            e.printStackTrace();
            code = 1;
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        System.exit(code); // client libraries leave non-daemon threads behind
    }

    /** A broker and the bridge only; the fleet publishes as fast as its windows allow. */
    private static double bridgeAlone(Path dir, int perFormat, int seconds, long readingsPerDevice) throws Exception {
        System.out.println("Bridge alone: KRaft broker + ingest bridge, " + perFormat * 5 + " devices, " + seconds + " s ...");
        try (KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort(HOST),
                Ports.freePort(HOST))).start(Duration.ofSeconds(120))) {
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(Stream.of(Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER)
                        .map(topic -> new NewTopic(topic, EmbeddedSettings.TOPIC_PARTITIONS, (short) 1)).toList())
                        .all().get(60, TimeUnit.SECONDS);
            }
            Path devicesFile = dir.resolve("devices.json");
            BenchFleet fleet = new BenchFleet(devicesFile, "alone", perFormat, readingsPerDevice);
            Map<String, String> config = new HashMap<>();
            config.put(BridgeConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            config.put(BridgeConfig.INSTANCE_ID, "bench");
            config.put(BridgeConfig.MQTT_HOST, HOST);
            config.put(BridgeConfig.HTTP_HOST, HOST);
            config.put(BridgeConfig.MQTT_PORT, Integer.toString(Ports.freePort(HOST)));
            config.put(BridgeConfig.HTTP_PORT, Integer.toString(Ports.freePort(HOST)));
            config.put(BridgeConfig.MANAGEMENT_PORT, "0");
            config.put(BridgeConfig.MAX_MESSAGES_PER_SECOND, UNLIMITED);
            config.put(BridgeConfig.DEVICES_FILE, devicesFile.toString());
            try (IngestBridge bridge = IngestBridge.start(BridgeConfig.of(config))) {
                fleet.connect(bridge.mqttPort());
                BenchFleet.Step step = fleet.run(0, Duration.ofSeconds(seconds));
                fleet.close();
                System.out.printf(Locale.ROOT, "  %,d acknowledged, %,d failed%n", fleet.acknowledged.size(), fleet.failed.get());
                return fleet.ackRate(step.startMs() + WARMUP_MS, step.endMs());
            }
        }
    }

    /** One offered rate's outcome. */
    record Row(BenchFleet.Step step, double ackedRate, double warehouseRate, double lakeRate, Latency warehouse, Latency lake,
               long notStored) {
    }

    /** PUBACK to visible, in ms. */
    record Latency(long p50, long p99, long max) {
        static Latency of(List<Long> millis) {
            if (millis.isEmpty()) {
                return new Latency(-1, -1, -1);
            }
            long[] sorted = millis.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Latency(sorted[(int) (sorted.length * 0.50)], sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))],
                    sorted[sorted.length - 1]);
        }
    }

    private static List<Row> wholePipeline(Path dir, int perFormat, int seconds, List<Integer> rates, long maxAgeMs,
                                           long readingsPerDevice) throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dir, new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS,
                BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMillis(maxAgeMs)));
        Files.createDirectories(dir);
        BenchFleet fleet = new BenchFleet(settings.devicesFile(), "bench", perFormat, readingsPerDevice);
        System.out.println("Whole pipeline: starting it embedded ...");
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(OutputStream.nullOutputStream()))
                .withBridgeSetting(BridgeConfig.MAX_MESSAGES_PER_SECOND, UNLIMITED).start()) {
            fleet.connect(pipeline.bridge().mqttPort());
            System.out.printf(Locale.ROOT, "  warming up: %,d readings/s for 10 s (not reported) ...%n", rates.get(0));
            fleet.run(rates.get(0), Duration.ofSeconds(10));
            List<BenchFleet.Step> steps = new ArrayList<>();
            for (int rate : rates) {
                System.out.printf(Locale.ROOT, "  offering %,d readings/s for %d s ...%n", rate, seconds);
                steps.add(fleet.run(rate, Duration.ofSeconds(seconds)));
            }
            fleet.close();
            System.out.printf(Locale.ROOT, "  %,d acknowledged, %,d failed%n", fleet.acknowledged.size(), fleet.failed.get());
            return measure(fleet, steps, () -> warehouseCommitTimes("jdbc:postgresql://" + HOST + ":" + settings.postgresPort() + "/iot"), () -> lakeFileTimes(settings.lakeDir()));
        }
    }

    /**
     * Waits (at most 5 minutes) until both sinks hold every reading the fleet had acknowledged,
     * then gives each step's row: rates and PUBACK-to-visible latencies.
     *
     * @param warehouse reads {@code device id|event time ms} → commit time of every warehouse row
     * @param lake reads {@code device id|event time ms} → file time of every lake row
     */
    static List<Row> measure(BenchFleet fleet, List<BenchFleet.Step> steps, Callable<Map<String, Long>> warehouse,
                             Callable<Map<String, Long>> lake) throws Exception {
        System.out.printf(Locale.ROOT, "  waiting for both sinks to hold all %,d acknowledged readings ...%n", fleet.acknowledged.size());
        Map<String, Long> inWarehouse = Map.of();
        Map<String, Long> inLake = Map.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            inWarehouse = warehouse.call();
            inLake = lake.call();
            if (inWarehouse.keySet().containsAll(fleet.acknowledged.keySet()) && inLake.keySet().containsAll(fleet.acknowledged.keySet())) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
        }
        List<Row> rows = new ArrayList<>();
        for (BenchFleet.Step step : steps) {
            rows.add(row(step, fleet, inWarehouse, inLake));
        }
        return rows;
    }

    private static Row row(BenchFleet.Step step, BenchFleet fleet, Map<String, Long> warehouse, Map<String, Long> lake) {
        long from = step.startMs() + WARMUP_MS;
        long to = step.endMs();
        List<Long> toWarehouse = new ArrayList<>();
        List<Long> toLake = new ArrayList<>();
        long notStored = 0;
        for (Map.Entry<String, Long> ack : fleet.acknowledged.entrySet()) {
            if (ack.getValue() < step.startMs() || ack.getValue() >= step.endMs()) {
                continue;
            }
            Long committed = warehouse.get(ack.getKey());
            Long written = lake.get(ack.getKey());
            if (committed == null || written == null) {
                notStored++;
            }
            if (committed != null) {
                toWarehouse.add(committed - ack.getValue());
            }
            if (written != null) {
                toLake.add(written - ack.getValue());
            }
        }
        return new Row(step, fleet.ackRate(from, to), rate(warehouse, from, to), rate(lake, from, to),
                Latency.of(toWarehouse), Latency.of(toLake), notStored);
    }

    /** Rows that became visible between {@code from} and {@code to}, per second. */
    private static double rate(Map<String, Long> visibleAt, long from, long to) {
        long count = visibleAt.values().stream().filter(t -> t >= from && t < to).count();
        return count * 1000.0 / Math.max(1, to - from);
    }

    /** {@code device id|event time ms} of every warehouse row, with the time its transaction committed. */
    static Map<String, Long> warehouseCommitTimes(String jdbcUrl) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        try (Connection sql = DriverManager.getConnection(jdbcUrl, "iot", "iot");
             Statement statement = sql.createStatement()) {
            for (String table : List.of("iot.env_readings", "iot.positions")) {
                try (ResultSet result = statement.executeQuery("SELECT device_id || '|' || CAST((extract(epoch FROM event_time) * 1000)::bigint AS text),"
                        + " (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000)::bigint FROM " + table)) {
                    while (result.next()) {
                        rows.put(result.getString(1), result.getLong(2));
                    }
                } catch (SQLException e) {
                    return Map.of(); // the tables appear with the first batch
                }
            }
        }
        return rows;
    }

    /** {@code device id|event time ms} of every lake row, with the time its Parquet file was written. */
    static Map<String, Long> lakeFileTimes(Path lakeDir) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        Map<String, Long> fileTimes = new HashMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            for (String family : List.of("env_readings", "positions")) {
                if (!Files.exists(lakeDir.resolve(family))) {
                    return Map.of();
                }
                try (ResultSet result = statement.executeQuery("SELECT device_id || '|' || CAST(epoch_ms(event_time) AS VARCHAR), filename"
                        + " FROM read_parquet('" + lakeDir.resolve(family) + "/**/*.parquet', hive_partitioning = true, filename = true)")) {
                    while (result.next()) {
                        String file = result.getString(2);
                        long written = fileTimes.computeIfAbsent(file, PipelineBenchmark::modified);
                        rows.put(result.getString(1), written);
                    }
                }
            }
        }
        return rows;
    }

    private static long modified(String file) {
        try {
            return Files.getLastModifiedTime(Path.of(file)).toMillis();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the time of " + file, e);
        }
    }

    private static void report(int devices, int seconds, long maxAgeMs, double bridgeAlone, List<Row> rows) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%d devices (all five format versions), QoS 1 over MQTT, %d s per step, batch max age %d ms,"
                + " %d cores, Java %s%n", devices, seconds, maxAgeMs, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "baseline, bridge alone (broker + bridge, nothing downstream): %,.0f acknowledged readings/s%n%n",
                bridgeAlone);
        double sustained = printSteps(rows, maxAgeMs);
        System.out.println();
        System.out.printf(Locale.ROOT, "sustained by both sinks with p99 <= batch max age + 2 s: %,.0f readings/s = %.2fx the bridge alone%n",
                sustained, sustained / bridgeAlone);
    }

    /**
     * Prints one table row per step and returns the highest rate both sinks sustained: at least 90 %
     * of the offered rate stored, p99 within the batch max age + 2 s, nothing missing.
     */
    static double printSteps(List<Row> rows, long maxAgeMs) {
        System.out.println("| offered/s | acked/s | warehouse rows/s | lake rows/s | PUBACK→warehouse p50 / p99 / max | "
                + "PUBACK→lake p50 / p99 / max | not stored |");
        System.out.println("|---|---|---|---|---|---|---|");
        double sustained = 0;
        for (Row row : rows) {
            System.out.printf(Locale.ROOT, "| %,.0f | %,.0f | %,.0f | %,.0f | %s | %s | %d |%n", row.step().offeredRate(), row.ackedRate(),
                    row.warehouseRate(), row.lakeRate(), latency(row.warehouse()), latency(row.lake()), row.notStored());
            boolean keepsUp = Math.min(row.warehouseRate(), row.lakeRate()) >= 0.9 * row.step().offeredRate()
                    && row.warehouse().p99() <= maxAgeMs + 2_000 && row.lake().p99() <= maxAgeMs + 2_000 && row.notStored() == 0;
            if (keepsUp) {
                sustained = Math.max(sustained, Math.min(row.warehouseRate(), row.lakeRate()));
            }
        }
        return sustained;
    }

    private static String latency(Latency latency) {
        return latency.p50() < 0 ? "-" : String.format(Locale.ROOT, "%,d / %,d / %,d ms", latency.p50(), latency.p99(), latency.max());
    }
}
