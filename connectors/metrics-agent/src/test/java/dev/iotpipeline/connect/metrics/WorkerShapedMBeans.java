package dev.iotpipeline.connect.metrics;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * MBeans named and shaped as a Connect worker running the two sinks registers them (Kafka's
 * {@code JmxReporter}: one MBean per group and tag set, one attribute per metric), the sinks'
 * {@code SinkMetrics} among them, and the consumers' lag with the copy Kafka keeps of a topic name
 * with '.' made '_'. As a program it registers them and waits (the agent's integration test runs it
 * with the agent), printing {@code registered} once they are there, and returns at a line (or the
 * end) on its standard input.
 */
final class WorkerShapedMBeans {

    static final String ENV_BATCH = "iot.batch.env_reading";

    private WorkerShapedMBeans() {
    }

    public static void main(String[] args) throws Exception {
        register(ManagementFactory.getPlatformMBeanServer());
        System.out.println("registered");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }

    static void register(MBeanServer server) throws JMException {
        for (String connector : new String[] {"iot-warehouse-sink", "iot-lake-sink"}) {
            String task = "kafka.connect:type=plugins,connector=" + connector + ",task=0";
            register(server, task, Map.of("batches-total", 3.0, "rows-stored-total", 42.0, "files-written-total",
                    connector.equals("iot-lake-sink") ? 3.0 : 0.0, "retries-total", 1.0,
                    "end-to-end-latency-seconds-count", 42.0, "end-to-end-latency-seconds-sum", 84.0,
                    "batch-commit-lag-seconds-count", 3.0, "batch-commit-lag-seconds-sum", 4.5));
            // The bounds as SinkMetrics formats them; '+' makes JMX quote the value.
            double[] bounds = {0.5, 1, 2, 5};
            double[] cumulative = {0, 10, 40, 42};
            for (int i = 0; i < bounds.length; i++) {
                String le = bounds[i] == Math.rint(bounds[i]) ? Long.toString((long) bounds[i]) : Double.toString(bounds[i]);
                register(server, task + ",le=" + le, Map.of("end-to-end-latency-seconds-bucket", cumulative[i],
                        "batch-commit-lag-seconds-bucket", Math.min(3, cumulative[i])));
            }
            register(server, task + ",le=" + ObjectName.quote("+Inf"), Map.of("end-to-end-latency-seconds-bucket", 42.0,
                    "batch-commit-lag-seconds-bucket", 3.0));
            register(server, task + ",reason=" + ObjectName.quote("expired"), Map.of("dead-lettered-readings-by-reason-total", 2.0));
            // The connector's own metric group (no task): not a task's metric.
            register(server, "kafka.connect:type=plugins,connector=" + connector, Map.of("ignored-total", 9.0));
            for (String topic : new String[] {ENV_BATCH, "iot.batch.position"}) {
                for (int partition = 0; partition < 2; partition++) {
                    String consumer = "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=connector-consumer-" + connector
                            + "-0,topic=%s,partition=" + partition;
                    register(server, String.format(consumer, topic), Map.of("records-lag", 5.0 + partition));
                    // Kafka's deprecated copy, '.' made '_': the same lag a second time.
                    register(server, String.format(consumer, topic.replace('.', '_')), Map.of("records-lag", 5.0 + partition));
                }
            }
            register(server, "kafka.connect:type=connect-worker-metrics,connector=" + connector, Map.of(
                    "connector-total-task-count", 1.0, "connector-running-task-count", connector.equals("iot-lake-sink") ? 0.0 : 1.0,
                    "connector-paused-task-count", 0.0, "connector-failed-task-count", connector.equals("iot-lake-sink") ? 1.0 : 0.0,
                    "connector-unassigned-task-count", 0.0, "connector-destroyed-task-count", 0.0,
                    "connector-restarting-task-count", 0.0));
        }
        // Another consumer in the worker (not a sink's), with a topic of no '.' at all.
        register(server, "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=connect-cluster-configs,topic=iot_connect_configs,"
                + "partition=0", Map.of("records-lag", 0.0));
        register(server, "kafka.connect:type=connect-worker-metrics", Map.of("connector-count", 2.0, "task-count", 2.0,
                "connector-startup-failure-total", 0.0, "task-startup-failure-total", 1.0, "connector-startup-success-total", 2.0));
    }

    private static void register(MBeanServer server, String name, Map<String, Double> attributes) throws JMException {
        server.registerMBean(new Attributes(attributes), new ObjectName(name));
    }

    /** Read-only numeric attributes, as Kafka's JmxReporter exposes a metric group. */
    private static final class Attributes implements DynamicMBean {
        private final Map<String, Double> values;

        Attributes(Map<String, Double> values) {
            this.values = new ConcurrentHashMap<>(new LinkedHashMap<>(values));
        }

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            Double value = values.get(attribute);
            if (value == null) {
                throw new AttributeNotFoundException(attribute);
            }
            return value;
        }

        // Read-only, as the worker's metric MBeans are: nothing sets or invokes them.
        @Override
        public void setAttribute(Attribute attribute) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList list = new AttributeList();
            for (String attribute : attributes) {
                if (values.containsKey(attribute)) {
                    list.add(new Attribute(attribute, values.get(attribute)));
                }
            }
            return list;
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            throw new UnsupportedOperationException(actionName);
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            MBeanAttributeInfo[] attributes = values.keySet().stream().sorted()
                    .map(name -> new MBeanAttributeInfo(name, "double", name, true, false, false)).toArray(MBeanAttributeInfo[]::new);
            return new MBeanInfo(Attributes.class.getName(), "metrics", attributes, null, null, null);
        }
    }
}
