package dev.iotpipeline.streams.batch;

import dev.iotpipeline.registry.serde.ConfluentWireFormat;
import dev.iotpipeline.schemas.batch.BatchCloseReason;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.streams.convert.Reasons;
import dev.iotpipeline.streams.deadletter.DeadLetters;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.outage.RegistryOutage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups the canonical records of one source partition into micro-batches per {@link BatchPolicy}.
 *
 * <p>The canonical topic is the batch buffer. Only the open batch's bookkeeping ({@link OpenBatch}:
 * its offset range, count, bytes, sequence) lives in a state store, one entry per partition, so
 * under exactly-once the batch, that entry and the input offsets commit in one transaction, and
 * with the store's cache the entry reaches its changelog once per commit, not once per record.
 * The open batch's records are also held decoded in memory; whenever that copy may not match the
 * committed state (a new or revived task after a crash, restart, rebalance or aborted
 * transaction, or a failure while processing), it is dropped and rebuilt by reading the
 * entry's offset range from the canonical topic again ({@link CanonicalLog}), keeping what the
 * batcher keeps, and checked against the entry's count and bytes.
 *
 * <p>The batch id is derived from the family, source partition and offset range, all read from
 * that state, never from a random value or the clock: a crash before the commit discards the
 * batch along with its input progress, and the batch that replaces it is the only one ever
 * visible to a {@code read_committed} reader under its id.
 *
 * @param <R> canonical record class
 * @param <B> batch envelope class
 */
public final class MicroBatchProcessor<R extends SpecificRecord, B extends SpecificRecord>
        implements Processor<String, byte[], Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);
    private static final Integer STATE_KEY = 0;

    private final Family<R, B> family;
    private final BatchPolicy policy;
    private final Deserializer<R> deserializer;
    private final StreamsMetrics metrics;
    private ProcessorContext<Object, Object> context;
    private final Function<ProcessorContext<?, ?>, CanonicalLog> logs;
    private KeyValueStore<Integer, OpenBatch> state;
    private String sourceTopic;
    /** The open batch's records in offset order, valid only while {@link #loaded}. */
    private List<R> records = new ArrayList<>();
    private boolean loaded;

    public MicroBatchProcessor(Family<R, B> family, BatchPolicy policy, Deserializer<R> deserializer,
                               StreamsMetrics metrics) {
        this(family, policy, deserializer, metrics, context -> KafkaCanonicalLog.fromAppConfigs(context.appConfigs(),
                context.applicationId() + "-batch-rebuild-" + family.name() + "-" + context.taskId()));
    }

    MicroBatchProcessor(Family<R, B> family, BatchPolicy policy, Deserializer<R> deserializer, StreamsMetrics metrics,
                        Function<ProcessorContext<?, ?>, CanonicalLog> logs) {
        this.family = family;
        this.policy = policy;
        this.deserializer = deserializer;
        this.metrics = metrics;
        this.logs = logs;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.state = context.getStateStore(family.stateStoreName());
        this.sourceTopic = family.id().canonicalTopic();
        // A revived task keeps this instance: what it held may belong to an aborted transaction.
        unload();
        context.schedule(policy.ageCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::closeIfOld);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        try {
            add(record);
        } catch (RuntimeException e) {
            // The store holds the last consistent state; the records are read again from the topic.
            unload();
            throw e;
        }
    }

    private void add(Record<String, byte[]> record) {
        var metadata = context.recordMetadata().orElseThrow();
        sourceTopic = metadata.topic();
        long recordBytes = serializedBytes(record.value());
        R reading;
        try {
            reading = deserializer.deserialize(metadata.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            if (RegistryOutage.isCauseOf(e)) {
                // The record is fine; the registry is not. Fail the thread so the record is read again later.
                throw e;
            }
            deadLetter(record, Reasons.UNDECODABLE_CANONICAL, "cannot decode the canonical record: " + e.getMessage());
            return;
        }
        if (reading == null || recordBytes > policy.maxBytes()) {
            deadLetter(record, Reasons.RECORD_TOO_LARGE, reading == null ? "the record has no value"
                    : "the record has " + recordBytes + " bytes, more than a batch may hold (" + policy.maxBytes() + ")");
            return;
        }
        OpenBatch current = current();
        if (current.isOpen() && current.bytes() + recordBytes > policy.maxBytes()) {
            current = close(current, BatchCloseReason.MAX_BYTES);
        }
        records.add(reading);
        current = current.with(metadata.offset(), recordBytes, family.eventTime(reading).toEpochMilli(),
                context.currentSystemTimeMs());
        if (current.count() >= policy.maxRecords()) {
            current = close(current, BatchCloseReason.MAX_RECORDS);
        }
        state.put(STATE_KEY, current);
    }

    private void closeIfOld(long now) {
        try {
            OpenBatch current = current();
            if (current.isOpen() && now - current.openedTime() >= policy.maxAge().toMillis()) {
                state.put(STATE_KEY, close(current, BatchCloseReason.MAX_AGE));
            }
        } catch (RuntimeException e) {
            unload();
            throw e;
        }
    }

    @Override
    public void close() {
        unload();
    }

    private void unload() {
        records = new ArrayList<>();
        loaded = false;
    }

    /** The open batch's state, with its records in memory (read again from the canonical topic if needed). */
    private OpenBatch current() {
        OpenBatch current = state.get(STATE_KEY);
        current = current == null ? OpenBatch.initial() : current;
        if (!loaded) {
            records = current.isOpen() ? reread(current) : new ArrayList<>();
            loaded = true;
        }
        return current;
    }

    /**
     * The open batch's records from the canonical topic: every record in its offset range that
     * {@link #add} keeps (the others were dead-lettered when first read), checked against the state.
     */
    private List<R> reread(OpenBatch open) {
        int partition = context.taskId().partition();
        List<R> kept = new ArrayList<>(open.count());
        long bytes = 0;
        for (ConsumerRecord<byte[], byte[]> logged : logs.apply(context).read(sourceTopic, partition, open.firstOffset(),
                open.lastOffset())) {
            R reading;
            try {
                reading = deserializer.deserialize(sourceTopic, logged.headers(), logged.value());
            } catch (RuntimeException e) {
                if (RegistryOutage.isCauseOf(e)) {
                    throw e;
                }
                continue;
            }
            long recordBytes = serializedBytes(logged.value());
            if (reading != null && recordBytes <= policy.maxBytes()) {
                kept.add(reading);
                bytes += recordBytes;
            }
        }
        if (kept.size() != open.count() || bytes != open.bytes()) {
            throw new IllegalStateException("Cannot rebuild the open batch " + batchId(family.name(), partition,
                    open.firstOffset(), open.lastOffset()) + " of " + sourceTopic + ": its state says " + open.count()
                    + " records and " + open.bytes() + " bytes, the topic holds " + kept.size() + " and " + bytes);
        }
        LOG.info("Rebuilt the open batch of {}-{} from offsets {}..{}: {} records", sourceTopic, partition,
                open.firstOffset(), open.lastOffset(), kept.size());
        return kept;
    }

    private static long serializedBytes(byte[] value) {
        return value == null ? 0 : Math.max(0, value.length - ConfluentWireFormat.HEADER_LENGTH);
    }

    private OpenBatch close(OpenBatch open, BatchCloseReason reason) {
        int partition = context.taskId().partition();
        long now = context.currentSystemTimeMs();
        BatchInfo info = BatchInfo.newBuilder()
                .setBatchId(batchId(family.name(), partition, open.firstOffset(), open.lastOffset()))
                .setFamily(family.name())
                .setSourceTopic(sourceTopic)
                .setSourcePartition(partition)
                .setSequence(open.nextSequence())
                .setFirstOffset(open.firstOffset())
                .setLastOffset(open.lastOffset())
                .setRecordCount(records.size())
                .setMinEventTime(Instant.ofEpochMilli(open.minEventTime()))
                .setMaxEventTime(Instant.ofEpochMilli(open.maxEventTime()))
                .setOpenedTime(Instant.ofEpochMilli(open.openedTime()))
                .setClosedTime(Instant.ofEpochMilli(now))
                .setCloseReason(reason)
                .build();
        if (records.size() != open.count()) {
            throw new IllegalStateException("Batch " + info.getBatchId() + " expected " + open.count()
                    + " records, holds " + records.size());
        }
        List<R> batch = records;
        context.forward(new Record<Object, Object>(info.getBatchId(), family.batchOf(info, batch), now), family.batchSinkName());
        records = new ArrayList<>();
        metrics.batch(family.name(), reason.name(), batch.size(), open.bytes(), now - open.openedTime());
        LOG.debug("Batch {} closed by {}: {} records, {} bytes", info.getBatchId(), reason, batch.size(), open.bytes());
        return open.closed();
    }

    /** {@code <family>-<partition>-<first offset>-<last offset>}: the exact input range, so equal ids mean equal content. */
    public static String batchId(String family, int partition, long firstOffset, long lastOffset) {
        return family + "-" + partition + "-" + firstOffset + "-" + lastOffset;
    }

    private void deadLetter(Record<String, byte[]> record, String reason, String message) {
        LOG.warn("Dead letter {} from {}: {}", reason, sourceTopic, message);
        metrics.deadLetter(DeadLetters.STAGE_BATCH, reason);
        var headers = DeadLetters.headers(record.headers(), reason, message, DeadLetters.STAGE_BATCH,
                context.recordMetadata(), null, context.currentSystemTimeMs());
        context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers),
                family.batchDeadLetterSinkName());
    }
}
