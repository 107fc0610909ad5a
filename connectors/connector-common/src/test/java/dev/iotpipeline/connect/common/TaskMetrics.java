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
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            long total = 0;
            for (ObjectName name : server.queryNames(new ObjectName("kafka.connect:type=plugins,*"), null)) {
                boolean has = Arrays.stream(server.getMBeanInfo(name).getAttributes()).anyMatch(a -> a.getName().equals(metric));
                if (has && connector.equals(name.getKeyProperty("connector"))) {
                    total += ((Number) server.getAttribute(name, metric)).longValue();
                }
            }
            return total;
        } catch (JMException e) {
            throw new IllegalStateException("Cannot read " + metric + " of " + connector + ": " + e.getMessage(), e);
        }
    }
}
