package dev.iotpipeline.launcher;

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
 * sink connectors' consumer lag, read from JMX in this JVM (the embedded Connect worker runs here)
 * and turned into Prometheus metrics named {@code iot_sink_*}: {@code -total} attributes become
 * counters, the {@code -bucket}/{@code -count}/{@code -sum} triples histograms (the JMX exporter
 * cannot make histograms: it sees one attribute at a time), the consumers' {@code records-lag}
 * {@code iot_sink_consumer_records_lag}. Labels: {@code connector}, {@code task}, and the metric's
 * own tag ({@code reason}).
 */
final class SinkJmxMetrics {

    private static final String PREFIX = "iot_sink_";

    private SinkJmxMetrics() {
    }

    static MetricSnapshots read() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
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
            Set<String> topics = new HashSet<>();
            consumers.forEach(name -> topics.add(unquote(name.getKeyProperty("topic"))));
            for (ObjectName name : consumers) {
                String client = unquote(name.getKeyProperty("client-id"));
                String topic = unquote(name.getKeyProperty("topic"));
                if (!client.startsWith("connector-consumer-") || name.getKeyProperty("partition") == null
                        || topic.indexOf('_') >= 0 && topics.contains(topic.replace('_', '.'))) {
                    continue; // not a sink's, not per partition, or the copy Kafka keeps with '.' in the topic made '_'
                }
                Object value = server.getAttribute(name, "records-lag");
                if (value instanceof Number number && !Double.isNaN(number.doubleValue())) {
                    lag.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(number.doubleValue())
                            .labels(Labels.of("client_id", client, "topic", topic, "partition",
                                    unquote(name.getKeyProperty("partition")))).build());
                }
            }
        } catch (JMException e) {
            throw new IllegalStateException("Cannot read the sinks' metrics over JMX: " + e.getMessage(), e);
        }
        MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        counters.values().forEach(counter -> snapshots.metricSnapshot(counter.build()));
        histograms.forEach((metric, series) -> {
            HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(metric)
                    .help("Seconds, from a reading's ingest time (the bridge's receive time) to its commit in the store");
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

    private static String unquote(String value) {
        return value != null && value.startsWith("\"") ? ObjectName.unquote(value) : value;
    }
}
