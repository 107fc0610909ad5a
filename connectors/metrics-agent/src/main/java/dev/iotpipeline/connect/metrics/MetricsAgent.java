package dev.iotpipeline.connect.metrics;

import java.lang.instrument.Instrumentation;
import java.util.Optional;

/**
 * A Java agent for the Connect workers that run the sinks:
 * {@code -javaagent:/opt/iot/metrics-agent.jar=[host:]port} serves {@code GET /metrics} on that
 * port (all interfaces unless a host is given) with {@link SinkJmxMetrics}: the sinks' own metrics,
 * their consumer lag and the worker's connector and task counts, read from the worker's JMX.
 *
 * <p>The worker matters more than its metrics: an argument that cannot be read or a port that cannot
 * be bound is logged and the worker starts without the endpoint.
 */
public final class MetricsAgent {

    private static final System.Logger LOG = System.getLogger(MetricsAgent.class.getName());

    private MetricsAgent() {
    }

    public static void premain(String argument, Instrumentation instrumentation) {
        start(argument);
    }

    public static void premain(String argument) {
        start(argument);
    }

    /** The endpoint, or empty (logged) when it could not be started. */
    static Optional<ScrapeEndpoint> start(String argument) {
        try {
            AgentArgument parsed = AgentArgument.parse(argument);
            ScrapeEndpoint endpoint = ScrapeEndpoint.start(parsed.host(), parsed.port());
            LOG.log(System.Logger.Level.INFO, "iot-pipeline metrics agent: Prometheus metrics at http://{0}:{1,number,#}/metrics",
                    parsed.host(), endpoint.port());
            return Optional.of(endpoint);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "iot-pipeline metrics agent not started ({0}); the worker runs without /metrics",
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code [host:]port}; the host defaults to every interface. */
    record AgentArgument(String host, int port) {

        static AgentArgument parse(String argument) {
            if (argument == null || argument.isBlank()) {
                throw new IllegalArgumentException("no port given: use -javaagent:metrics-agent.jar=[host:]port");
            }
            String text = argument.strip();
            int colon = text.lastIndexOf(':');
            String host = colon < 0 ? "0.0.0.0" : text.substring(0, colon);
            String port = text.substring(colon + 1);
            try {
                int number = Integer.parseInt(port);
                if (number < 0 || number > 65_535 || host.isEmpty()) {
                    throw new NumberFormatException();
                }
                return new AgentArgument(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host,
                        number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + argument + "' is not [host:]port", e);
            }
        }
    }
}
