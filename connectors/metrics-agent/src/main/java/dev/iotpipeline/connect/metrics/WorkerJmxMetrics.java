package dev.iotpipeline.connect.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The Connect worker's own view of what it runs ({@code kafka.connect:type=connect-worker-metrics}),
 * as {@code iot_connect_*}: connectors and tasks on this worker, each connector's tasks by state
 * (a failed sink task stores nothing and shows nowhere else), and start-up failures.
 */
final class WorkerJmxMetrics {

    private static final String PREFIX = "iot_connect_";
    /** The states Connect counts a connector's tasks in, as {@code connector-<state>-task-count}. */
    private static final List<String> TASK_STATES = List.of("running", "paused", "failed", "unassigned", "destroyed", "restarting");

    private WorkerJmxMetrics() {
    }

    static void read(MBeanServer server, MetricSnapshots.Builder snapshots) throws JMException {
        ObjectName worker = new ObjectName("kafka.connect:type=connect-worker-metrics");
        if (!server.isRegistered(worker)) {
            return; // no worker in this JVM (yet)
        }
        snapshots.metricSnapshot(gauge("connectors", "Connectors running on this worker", server, worker, "connector-count"));
        snapshots.metricSnapshot(gauge("tasks", "Tasks running on this worker", server, worker, "task-count"));
        snapshots.metricSnapshot(counter("connector_startup_failures", "Connector starts on this worker that failed", server, worker,
                "connector-startup-failure-total"));
        snapshots.metricSnapshot(counter("task_startup_failures", "Task starts on this worker that failed", server, worker,
                "task-startup-failure-total"));

        GaugeSnapshot.Builder tasks = GaugeSnapshot.builder().name(PREFIX + "connector_tasks")
                .help("A connector's tasks by state, as this worker sees them (the group leader's view covers every worker)");
        Set<ObjectName> perConnector = new TreeSet<>(server.queryNames(
                new ObjectName("kafka.connect:type=connect-worker-metrics,connector=*"), null));
        for (ObjectName name : perConnector) {
            String connector = SinkJmxMetrics.unquote(name.getKeyProperty("connector"));
            for (String state : TASK_STATES) {
                Number value = number(server, name, "connector-" + state + "-task-count");
                if (value != null) {
                    tasks.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value.doubleValue())
                            .labels(Labels.of("connector", connector, "state", state)).build());
                }
            }
        }
        snapshots.metricSnapshot(tasks.build());
    }

    private static GaugeSnapshot gauge(String name, String help, MBeanServer server, ObjectName worker, String attribute)
            throws JMException {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(PREFIX + name).help(help);
        Number value = number(server, worker, attribute);
        if (value != null) {
            gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value.doubleValue()).build());
        }
        return gauge.build();
    }

    private static CounterSnapshot counter(String name, String help, MBeanServer server, ObjectName worker, String attribute)
            throws JMException {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(PREFIX + name).help(help);
        Number value = number(server, worker, attribute);
        if (value != null) {
            counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value.doubleValue()).build());
        }
        return counter.build();
    }

    /** The attribute's value, or null when it is missing (another Kafka version) or not a number. */
    private static Number number(MBeanServer server, ObjectName name, String attribute) throws JMException {
        try {
            Object value = server.getAttribute(name, attribute);
            return value instanceof Number number && !Double.isNaN(number.doubleValue()) ? number : null;
        } catch (AttributeNotFoundException | InstanceNotFoundException e) {
            return null; // gone between the query and the read, or not in this version
        }
    }
}
