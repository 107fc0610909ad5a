package dev.iotpipeline.connect.common;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Supplier;

/**
 * What a sink task stored and how late, as its own metrics (registered through
 * {@link BatchSinkTask#addMetric}: JMX {@code kafka.connect:type=plugins,connector=...,task=...} and
 * every reporter of the worker), one naming scheme for both sinks:
 *
 * <ul>
 *   <li>{@code batches-total}, {@code rows-stored-total}, {@code files-written-total} (the lake);
 *   <li>{@code dead-lettered-readings-by-reason-total}, tagged {@code reason} (the dead letter's reason code);
 *   <li>{@code batch-commit-lag-seconds-bucket|count|sum}: per stored batch, from its newest
 *       {@code ingest_time} (the bridge's receive time) to the moment the store has it durably;
 *   <li>{@code end-to-end-latency-seconds-bucket|count|sum}: the same per stored reading, from its own
 *       {@code ingest_time}: the latency from the bridge to the warehouse row or the lake file.
 * </ul>
 *
 * Latencies are cumulative buckets tagged {@code le} (seconds, and {@code +Inf}) with a count and a
 * sum, the shape of a Prometheus histogram, so {@code histogram_quantile} works on them once exported.
 */
public final class SinkMetrics {

    /** Bucket bounds in seconds: a batch age of a second to a minute is the normal range, late readings go far beyond. */
    static final double[] BOUNDS = {0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 86_400};

    /** Registers a metric: name, description, tags, value. */
    @FunctionalInterface
    interface Registrar {
        void register(String name, String description, Map<String, String> tags, Supplier<? extends Number> value);
    }

    private final Registrar registrar;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong files = new AtomicLong();
    private final Map<String, AtomicLong> deadLettered = new ConcurrentHashMap<>();
    private final Latencies commitLag;
    private final Latencies endToEnd;

    /** Counting, registered nowhere (a task outside a worker, tests). */
    static SinkMetrics unregistered() {
        return new SinkMetrics((name, description, tags, value) -> { });
    }

    SinkMetrics(Registrar registrar) {
        this.registrar = registrar;
        registrar.register("batches-total", "Batches stored (loaded or written), replays of stored ones not counted", Map.of(),
                batches::get);
        registrar.register("rows-stored-total", "Readings stored: warehouse rows inserted, or rows written to lake files", Map.of(),
                rows::get);
        registrar.register("files-written-total", "Lake files written (0 for the warehouse)", Map.of(), files::get);
        commitLag = new Latencies("batch-commit-lag-seconds", "From a stored batch's newest ingest_time to its commit");
        endToEnd = new Latencies("end-to-end-latency-seconds", "From each stored reading's ingest_time (the bridge's receive "
                + "time) to its commit in the store");
    }

    /**
     * A batch is durably stored.
     *
     * @param ingestTimes the {@code ingest_time} of every reading it stored
     */
    public void stored(Iterable<Instant> ingestTimes, int rowCount, int fileCount, Instant committed) {
        batches.incrementAndGet();
        rows.addAndGet(rowCount);
        files.addAndGet(fileCount);
        Instant newest = null;
        for (Instant ingested : ingestTimes) {
            if (ingested != null) {
                endToEnd.record(seconds(ingested, committed));
                newest = newest == null || ingested.isAfter(newest) ? ingested : newest;
            }
        }
        if (newest != null) {
            commitLag.record(seconds(newest, committed));
        }
    }

    /** Readings sent to the dead-letter topic with this reason. */
    public void deadLettered(String reason, int count) {
        deadLettered.computeIfAbsent(reason, r -> {
            AtomicLong counter = new AtomicLong();
            registrar.register("dead-lettered-readings-by-reason-total", "Readings sent to the dead-letter topic, by reason",
                    Map.of("reason", r), counter::get);
            return counter;
        }).addAndGet(count);
    }

    private static double seconds(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toNanos() / 1e9);
    }

    /** Cumulative buckets, a count and a sum. */
    private final class Latencies {
        private final AtomicLongArray counts = new AtomicLongArray(BOUNDS.length + 1);
        private final AtomicLong count = new AtomicLong();
        private final DoubleAdder sum = new DoubleAdder();

        Latencies(String name, String description) {
            for (int b = 0; b <= BOUNDS.length; b++) {
                int bucket = b;
                String le = b == BOUNDS.length ? "+Inf" : format(BOUNDS[b]);
                registrar.register(name + "-bucket", description + ": readings at or under le seconds", Map.of("le", le),
                        () -> cumulative(bucket));
            }
            registrar.register(name + "-count", description + ": how many", Map.of(), count::get);
            registrar.register(name + "-sum", description + ": their sum in seconds", Map.of(), sum::sum);
        }

        void record(double seconds) {
            int b = 0;
            while (b < BOUNDS.length && seconds > BOUNDS[b]) {
                b++;
            }
            counts.incrementAndGet(b);
            count.incrementAndGet();
            sum.add(seconds);
        }

        private long cumulative(int bucket) {
            long total = 0;
            for (int b = 0; b <= bucket; b++) {
                total += counts.get(b);
            }
            return total;
        }
    }

    private static String format(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
