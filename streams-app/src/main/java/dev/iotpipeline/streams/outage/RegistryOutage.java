package dev.iotpipeline.streams.outage;

import dev.iotpipeline.registry.client.RegistryUnavailableException;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An unreachable schema registry is an outage, not bad data: the records that need it are never
 * dead-lettered. The stream thread that hit it fails and is replaced (under exactly-once its
 * transaction is aborted, so the new thread starts again from the last commit: nothing lost,
 * nothing doubled), processing is paused, and the registry is probed with a backoff doubling from
 * {@link #FIRST_BACKOFF} up to the configured maximum; the first answer resumes processing.
 * Meanwhile {@link #cause()} tells the readiness probe why the instance is not ready.
 */
public final class RegistryOutage implements AutoCloseable {

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(RegistryOutage.class);

    private final SchemaRegistryClient registry;
    private final Duration maxBackoff;
    private final ScheduledExecutorService probes;
    private KafkaStreams streams;
    private String cause;
    private boolean probing;

    public RegistryOutage(SchemaRegistryClient registry, Duration maxBackoff) {
        this.registry = registry;
        this.maxBackoff = maxBackoff;
        this.probes = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "schema-registry-probe");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Whether {@code error} (or one of its causes) says the schema registry could not be reached. */
    public static boolean isCauseOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /** The instance to pause and resume; set once it exists. */
    public synchronized void attach(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Why the instance cannot process now, if it cannot. */
    public synchronized Optional<String> cause() {
        return Optional.ofNullable(cause);
    }

    /** Processing hit the outage: pause and start probing (once, however many threads report it). */
    public synchronized void began(Throwable error) {
        cause = "schema registry unreachable: " + rootMessage(error);
        if (streams != null) {
            streams.pause();
        }
        if (!probing) {
            probing = true;
            LOG.warn("Processing paused: {}; nothing is dead-lettered, retrying in {} ms", cause, FIRST_BACKOFF.toMillis());
            probes.schedule(() -> probe(FIRST_BACKOFF), FIRST_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void probe(Duration backoff) {
        try {
            registry.subjects();
        } catch (RuntimeException e) {
            Duration next = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            synchronized (this) {
                cause = "schema registry unreachable: " + rootMessage(e);
            }
            LOG.warn("Schema registry still unreachable ({}); next attempt in {} ms", rootMessage(e), next.toMillis());
            probes.schedule(() -> probe(next), next.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        synchronized (this) {
            cause = null;
            probing = false;
            if (streams != null) {
                streams.resume();
            }
        }
        LOG.info("Schema registry reachable again; processing resumed");
    }

    private static String rootMessage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RegistryUnavailableException) {
                return t.getMessage();
            }
        }
        return String.valueOf(error.getMessage());
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}
