package dev.iotpipeline.connect.common;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** A sink task's own metrics as the worker in this JVM exposes them over JMX (plugin metrics). */
public final class TaskMetrics {

    private TaskMetrics() {
    }

    /** The metric summed over the connector's tasks, e.g. {@code retries-total}; 0 while none has it. */
    public static long total(String connector, String metric) {
        return total(connector, metric, null, null);
    }

    /** Like {@link #total(String, String)}, of the metric with this tag, e.g. {@code le=+Inf} or {@code reason=expired}. */
    public static long total(String connector, String metric, String tag, String value) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            long total = 0;
            for (ObjectName name : server.queryNames(new ObjectName("kafka.connect:type=plugins,*"), null)) {
                boolean has = Arrays.stream(server.getMBeanInfo(name).getAttributes()).anyMatch(a -> a.getName().equals(metric));
                boolean tagged = tag == null || value.equals(ObjectName.unquote(quoted(name.getKeyProperty(tag))));
                if (has && tagged && connector.equals(name.getKeyProperty("connector"))) {
                    total += ((Number) server.getAttribute(name, metric)).longValue();
                }
            }
            return total;
        } catch (JMException | IllegalArgumentException e) {
            throw new IllegalStateException("Cannot read " + metric + " of " + connector + ": " + e.getMessage(), e);
        }
    }

    /** A key property as JMX may quote it (values with ':' or '+' are quoted), so that it can be unquoted. */
    private static String quoted(String property) {
        return property == null ? "\"\"" : property.startsWith("\"") ? property : ObjectName.quote(property);
    }
}
