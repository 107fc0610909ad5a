package dev.iotpipeline.connect.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The sink tasks' own metrics ({@code SinkMetrics} and the rest of their plugin metrics) and the
 * sink connectors' consumer lag, read from JMX in this JVM (the Connect worker running the sinks:
 * the embedded one in the launcher, or a deployed worker with {@link MetricsAgent}) and turned into
 * Prometheus metrics named {@code iot_sink_*}: {@code -total} attributes become counters, the
 * {@code -bucket}/{@code -count}/{@code -sum} triples histograms (the JMX exporter cannot make
 * histograms: it sees one attribute at a time), the consumers' {@code records-lag}
 * {@code iot_sink_consumer_records_lag}. Labels: {@code connector}, {@code task}, and the metric's
 * own tag ({@code reason}). The worker's connector and task counts come along as {@code iot_connect_*}
 * ({@link WorkerJmxMetrics}).
 */
public final class SinkJmxMetrics {

    private static final String PREFIX = "iot_sink_";
    private static final Map<String, String> HISTOGRAM_HELP = Map.of(
            PREFIX + "end_to_end_latency_seconds",
            "Seconds from each stored reading's ingest time (the bridge's receive time) to its commit in the store",
            PREFIX + "batch_commit_lag_seconds", "Seconds from a stored batch's newest ingest time to its commit in the store");

    private SinkJmxMetrics() {
    }

    /** From the platform MBean server, where the worker registers its metrics. */
    public static MetricSnapshots read() {
        return read(ManagementFactory.getPlatformMBeanServer());
    }

    static MetricSnapshots read(MBeanServer server) {
        MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        Map<String, CounterSnapshot.Builder> counters = new TreeMap<>();
        Map<String, Map<Labels, Histogram>> histograms = new TreeMap<>();
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name(PREFIX + "consumer_records_lag")
                .help("Records of the batch topics the sink connector's consumer has not read yet, per partition");
        try {
            for (ObjectName name : server.queryNames(new ObjectName("kafka.connect:type=plugins,*"), null)) {
                if (name.getKeyProperty("connector") == null || name.getKeyProperty("task") == null) {
                    continue; // not a task's own metric
                }
                Labels labels = Labels.of("connector", unquote(name.getKeyProperty("connector")), "task",
                        unquote(name.getKeyProperty("task")));
                String le = name.getKeyProperty("le");
                String reason = name.getKeyProperty("reason");
                if (reason != null) {
                    labels = labels.add("reason", unquote(reason));
                }
                for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                    Object value = server.getAttribute(name, attribute.getName());
                    if (value instanceof Number number && !Double.isNaN(number.doubleValue())) {
                        add(attribute.getName(), le == null ? null : unquote(le), labels, number.doubleValue(), counters, histograms);
                    }
                }
            }
            Set<ObjectName> consumers = server.queryNames(new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,*"), null);
            Set<String> copies = deprecatedCopies(consumers);
            for (ObjectName name : consumers) {
                String client = unquote(name.getKeyProperty("client-id"));
                String topic = unquote(name.getKeyProperty("topic"));
                if (!client.startsWith("connector-consumer-") || name.getKeyProperty("partition") == null || copies.contains(topic)) {
                    continue; // not a sink's, not per partition, or the copy Kafka keeps with the topic's '.' made '_'
                }
                Object value = server.getAttribute(name, "records-lag");
                if (value instanceof Number number && !Double.isNaN(number.doubleValue())) {
                    lag.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(number.doubleValue())
                            .labels(Labels.of("client_id", client, "topic", topic, "partition",
                                    unquote(name.getKeyProperty("partition")))).build());
                }
            }
            WorkerJmxMetrics.read(server, snapshots);
        } catch (JMException e) {
            throw new IllegalStateException("Cannot read the sinks' metrics over JMX: " + e.getMessage(), e);
        }
        counters.values().forEach(counter -> snapshots.metricSnapshot(counter.build()));
        histograms.forEach((metric, series) -> {
            HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(metric)
                    .help(HISTOGRAM_HELP.getOrDefault(metric, "The sink tasks' " + metric));
            series.forEach((labels, h) -> {
                if (h.cumulative.containsKey(Double.POSITIVE_INFINITY)) { // registered whole (a task starting may not be yet)
                    histogram.dataPoint(h.snapshot(labels));
                }
            });
            snapshots.metricSnapshot(histogram.build());
        });
        snapshots.metricSnapshot(lag.build());
        return snapshots.build();
    }

    private static void add(String attribute, String le, Labels labels, double value, Map<String, CounterSnapshot.Builder> counters,
                            Map<String, Map<Labels, Histogram>> histograms) {
        String snake = attribute.replace('-', '_');
        if (snake.endsWith("_bucket") || snake.endsWith("_count") || snake.endsWith("_sum")) {
            String base = PREFIX + snake.substring(0, snake.lastIndexOf('_'));
            Histogram histogram = histograms.computeIfAbsent(base, b -> new TreeMap<>(SinkJmxMetrics::compare))
                    .computeIfAbsent(labels, l -> new Histogram());
            if (snake.endsWith("_bucket") && le != null) {
                histogram.cumulative.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), value);
            } else if (snake.endsWith("_sum")) {
                histogram.sum = value;
            }
        } else if (snake.endsWith("_total")) {
            String base = PREFIX + snake.substring(0, snake.length() - "_total".length());
            counters.computeIfAbsent(base, b -> CounterSnapshot.builder().name(b).help("The sink tasks' " + attribute))
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build());
        }
    }

    /**
     * The topic names that are Kafka's deprecated copies: for a topic with '.' in its name the
     * consumer registers its per-partition metrics a second time under the name with every '.' made
     * '_' (Kafka refuses topics whose names collide that way, so such a name is never a topic of its own).
     */
    static Set<String> deprecatedCopies(Set<ObjectName> consumers) {
        Set<String> topics = new HashSet<>();
        consumers.forEach(name -> {
            if (name.getKeyProperty("topic") != null) {
                topics.add(unquote(name.getKeyProperty("topic")));
            }
        });
        Set<String> copies = new HashSet<>();
        for (String topic : topics) {
            String copy = topic.replace('.', '_');
            if (!copy.equals(topic) && topics.contains(copy)) {
                copies.add(copy);
            }
        }
        return copies;
    }

    private static int compare(Labels a, Labels b) {
        return a.toString().compareTo(b.toString());
    }

    /** One histogram series: cumulative counts by upper bound, and the sum. */
    private static final class Histogram {
        final Map<Double, Double> cumulative = new TreeMap<>();
        double sum;

        HistogramSnapshot.HistogramDataPointSnapshot snapshot(Labels labels) {
            List<Double> bounds = new ArrayList<>(cumulative.keySet());
            long[] counts = new long[bounds.size()];
            double previous = 0;
            for (int i = 0; i < bounds.size(); i++) {
                double total = cumulative.get(bounds.get(i));
                counts[i] = (long) Math.max(0, total - previous); // per bucket: the writer adds them up again
                previous = total;
            }
            return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels).sum(sum)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds.stream().mapToDouble(Double::doubleValue).toArray(),
                            counts)).build();
        }
    }

    static String unquote(String value) {
        return value != null && value.startsWith("\"") ? ObjectName.unquote(value) : value;
    }
}
