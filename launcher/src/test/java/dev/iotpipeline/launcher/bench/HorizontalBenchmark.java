package dev.iotpipeline.launcher.bench;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.launcher.ScaledOutPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole pipeline on the three-node cluster test bed (replication factor 3, {@code
 * min.insync.replicas=2}, lake on s3proxy), measured with one and then with two streams app
 * instances (child JVMs, standby replicas on) and as many Connect workers (distributed mode, both
 * sinks at {@code tasks.max} = instances): the same fleet (every format version, QoS 1 over MQTT,
 * one bridge) at the same stepped offered rates as {@link PipelineBenchmark}, the same rates and
 * PUBACK-to-visible latencies, and the rate each size sustains. Each size gets a fresh bed.
 *
 * <p>Arguments: {@code [devices per format] [seconds per step] [offered rates, comma-separated]
 * [batch max age ms] [instance counts, comma-separated]}, defaults {@code 20 20
 * 1000,2000,3000,4000,6000 1000 1,2}.
 */
public final class HorizontalBenchmark {

    /** Partitions of every pipeline topic: room for two instances with two stream threads' worth of tasks each. */
    private static final int PARTITIONS = 4;

    /**
     * Longer than the embedded benchmark's 10 s: on a fresh cluster of cold child JVMs the first
     * transactions' markers lag (the streams app's producer retries CONCURRENT_TRANSACTIONS) for
     * about a minute under load, then settle.
     */
    private static final Duration WARMUP = Duration.ofSeconds(90);

    private HorizontalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int perFormat = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int stepSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<Integer> rates = args.length > 2 ? Arrays.stream(args[2].split(",")).map(Integer::parseInt).toList()
                : List.of(1000, 2000, 3000, 4000, 6000);
        long maxAgeMs = args.length > 3 ? Long.parseLong(args[3]) : 1000;
        List<Integer> sizes = args.length > 4 ? Arrays.stream(args[4].split(",")).map(Integer::parseInt).toList() : List.of(1, 2);
        long readingsPerDevice = (long) rates.stream().mapToInt(Integer::intValue).sum() * stepSeconds / (5L * perFormat) * 2 + 10_000;
        Path dir = Files.createTempDirectory("horizontal-bench");
        int code = 0;
        try {
            Map<Integer, List<PipelineBenchmark.Row>> results = new LinkedHashMap<>();
            for (int size : sizes) {
                results.put(size, run(dir.resolve("size-" + size), size, perFormat, stepSeconds, rates, maxAgeMs, readingsPerDevice));
            }
            report(perFormat * 5, stepSeconds, maxAgeMs, results);
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

    private static List<PipelineBenchmark.Row> run(Path dir, int size, int perFormat, int seconds, List<Integer> rates, long maxAgeMs,
                                                   long readingsPerDevice) throws Exception {
        System.out.printf(Locale.ROOT, "%d streams instance(s), %d Connect worker(s), tasks.max %d: starting the cluster bed ...%n",
                size, size, size);
        Files.createDirectories(dir);
        try (ScaledOutPipeline pipeline = ScaledOutPipeline.start(dir, PARTITIONS, size,
                Map.of("batch.max.age.ms", Long.toString(maxAgeMs)))) {
            for (int i = 0; i < size; i++) {
                pipeline.addStreams();
            }
            for (int i = 0; i < size; i++) {
                pipeline.addWorker();
            }
            pipeline.startSinks();
            Path devices = dir.resolve("devices.json");
            BenchFleet fleet = new BenchFleet(devices, "h" + size, perFormat, readingsPerDevice);
            IngestBridge bridge = pipeline.addBridge("bench", Ports.freePort("127.0.0.1"), devices,
                    Map.of(BridgeConfig.MAX_MESSAGES_PER_SECOND, "0"));
            fleet.connect(bridge.mqttPort());
            System.out.printf(Locale.ROOT, "  warming up: %,d readings/s for %d s (not reported) ...%n", rates.get(0), WARMUP.toSeconds());
            fleet.run(rates.get(0), WARMUP);
            List<BenchFleet.Step> steps = new ArrayList<>();
            for (int rate : rates) {
                System.out.printf(Locale.ROOT, "  offering %,d readings/s for %d s ...%n", rate, seconds);
                steps.add(fleet.run(rate, Duration.ofSeconds(seconds)));
            }
            fleet.close();
            System.out.printf(Locale.ROOT, "  %,d acknowledged, %,d failed%n", fleet.acknowledged.size(), fleet.failed.get());
            Path lakeCopy = dir.resolve("lake-copy");
            return PipelineBenchmark.measure(fleet, steps, () -> PipelineBenchmark.warehouseCommitTimes(pipeline.bed().postgres().jdbcUrl()),
                    () -> {
                        pipeline.bed().copyObjects(ScaledOutPipeline.LAKE_PREFIX, lakeCopy);
                        return PipelineBenchmark.lakeFileTimes(lakeCopy);
                    });
        }
    }

    private static void report(int devices, int seconds, long maxAgeMs, Map<Integer, List<PipelineBenchmark.Row>> results) {
        System.out.println();
        System.out.printf(Locale.ROOT, "cluster bed: 3 KRaft nodes (RF 3, min ISR 2), %d partitions, lake on s3proxy; %d devices"
                + " (all five format versions), QoS 1 over MQTT, one bridge, %d s per step, batch max age %d ms, %d cores, Java %s%n",
                PARTITIONS, devices, seconds, maxAgeMs, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Map<Integer, Double> sustained = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<PipelineBenchmark.Row>> result : results.entrySet()) {
            System.out.printf(Locale.ROOT, "%n%d streams instance(s), %d Connect worker(s), tasks.max %d:%n%n", result.getKey(),
                    result.getKey(), result.getKey());
            sustained.put(result.getKey(), PipelineBenchmark.printSteps(result.getValue(), maxAgeMs));
        }
        System.out.println();
        double first = sustained.values().iterator().next();
        sustained.forEach((size, rate) -> System.out.printf(Locale.ROOT,
                "sustained by both sinks with p99 <= batch max age + 2 s, %d instance(s): %,.0f readings/s = %.2fx %d instance(s)%n",
                size, rate, first > 0 ? rate / first : 0, sustained.keySet().iterator().next()));
    }
}
