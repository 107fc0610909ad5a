package dev.iotpipeline.connect.common;

import dev.iotpipeline.registry.client.SchemaRegistryClient;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of {@link #put} both sinks share: each record is one micro-batch, decoded with
 * {@link BatchDecoder} and split by {@link RowCheck}; a sink stores the admitted readings and
 * dead-letters the refused ones in {@link #store}, returning when both are durable, or finishes
 * that for all records of one {@code put} in {@link #completed} (the lake, so that its fsyncs overlap
 * with encoding). A record that is not a batch goes to the dead-letter topic whole; an unavailable
 * registry is a retry.
 */
public abstract class BatchSinkTask extends SinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(BatchSinkTask.class);

    private BatchDecoder decoder;
    private DeadLetters deadLetters;
    private SinkMetrics sinkMetrics;
    private Retries retries;
    private volatile long expired;

    /** Call from {@link #start} once the settings are read. */
    protected final void open(SchemaRegistryClient registry, long retryBackoffMs, String stage) {
        decoder = new BatchDecoder(registry);
        sinkMetrics = new SinkMetrics(this::addMetric);
        deadLetters = new DeadLetters(context, stage, sinkMetrics);
        retries = new Retries(context, retryBackoffMs);
        registerMetrics();
    }

    /**
     * The task's own metrics, through the worker's plugin metrics (JMX
     * {@code kafka.connect:type=plugins,connector=...,task=...}, and every configured reporter).
     */
    private void registerMetrics() {
        addMetric("retries-total", "Times the task asked the worker to redeliver after a transient failure (store or registry "
                + "unavailable)", retries::count);
        addMetric("dead-lettered-records-total", "Batch records sent whole to the dead-letter topic (not a batch)",
                deadLetters::records);
        addMetric("dead-lettered-readings-total", "Single readings of batches sent to the dead-letter topic (refused by the row "
                + "check or the store)", deadLetters::readings);
        addMetric("expired-readings-total", "Readings older than the store's retention, sent to the dead-letter topic as expired "
                + "(counted in dead-lettered-readings-total too)", () -> expired);
    }

    /** Registers one of the task's own counters with the worker; a no-op on a worker older than Kafka 4.1. */
    protected final void addMetric(String name, String description, Supplier<? extends Number> value) {
        addMetric(name, description, Map.of(), value);
    }

    /** Like {@link #addMetric(String, String, Supplier)}, with tags (JMX key properties). */
    protected final void addMetric(String name, String description, Map<String, String> tags, Supplier<? extends Number> value) {
        PluginMetrics metrics;
        try {
            metrics = context.pluginMetrics();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return; // a worker older than Kafka 4.1
        }
        if (metrics != null) {
            metrics.addMetric(metrics.metricName(name, description, new LinkedHashMap<>(tags)),
                    (Gauge<Number>) (config, now) -> value.get());
        }
    }

    @Override
    public String version() {
        return BatchSinkConnector.VERSION;
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        try {
            for (SinkRecord record : records) {
                Batch batch = decode(record);
                if (batch != null) {
                    RowCheck.Admission admission = RowCheck.admit(batch, expiry(batch));
                    countExpired(batch, admission);
                    store(record, batch, admission);
                }
                handled(record);
            }
        } catch (RuntimeException e) {
            abandoned();
            throw e;
        }
        completed();
    }

    private Batch decode(SinkRecord record) {
        try {
            return decoder.decode(record.topic(), (byte[]) record.value());
        } catch (RuntimeException e) { // not the wire format, unknown schema, not Avro, not a batch, not bytes
            if (BatchDecoder.registryUnavailable(e)) {
                throw retries.retry("the schema registry is unavailable: " + e.getMessage(), e);
            }
            deadLetters.reject(record, e, "unreadable-batch");
            return null;
        }
    }

    /** The store's retention for this batch's readings, or null when it keeps everything (the default). */
    protected Expiry expiry(Batch batch) {
        return null;
    }

    private void countExpired(Batch batch, RowCheck.Admission admission) {
        long count = admission.refused().stream().filter(row -> Expiry.REASON.equals(row.reason())).count();
        if (count > 0) {
            expired += count;
            LOG.info("{} of the {} readings of batch {} are older than the retention and go to the dead-letter topic as {}",
                    count, batch.readings().size(), batch.batchId(), Expiry.REASON);
        }
    }

    /** Readings refused as {@value Expiry#REASON} since the task started. */
    protected final long expiredReadings() {
        return expired;
    }

    /**
     * Stores {@code admission.admitted()} and dead-letters {@code admission.refused()} (and whatever
     * the store refuses itself); returns when both are durable, or throws {@code retries().retry(...)}.
     * A sink may instead finish the durable part of every record of one {@link #put} in {@link #completed}.
     */
    protected abstract void store(SinkRecord record, Batch batch, RowCheck.Admission admission);

    /** After a record is fully handled: stored, dead-lettered, or both for parts of it. */
    protected void handled(SinkRecord record) {
    }

    /** After every record of one {@link #put} went through {@link #store}; {@code put} returns after it. */
    protected void completed() {
    }

    /** When {@link #put} throws before {@link #completed}: the worker redelivers the same records. */
    protected void abandoned() {
    }

    protected final DeadLetters deadLetters() {
        return deadLetters;
    }

    /** What the task stored and how late ({@link SinkMetrics}). */
    protected final SinkMetrics sinkMetrics() {
        return sinkMetrics;
    }

    protected final Retries retries() {
        return retries;
    }
}
