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
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups the canonical records of one source partition into micro-batches per {@link BatchPolicy}.
 *
 * <p>Open batches live in two state stores (the buffered records by source offset, and the
 * {@link OpenBatch} bookkeeping), so under exactly-once a batch, the store updates and the input
 * offsets commit in one transaction. The batch id is derived from the family, source partition and
 * offset range, all read from that state, never from a random value or the clock: a crash
 * before the commit discards the batch along with its input progress, and the batch that
 * replaces it is the only one ever visible to a {@code read_committed} reader under its id.
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
    private KeyValueStore<Long, byte[]> buffer;
    private KeyValueStore<Integer, OpenBatch> state;
    private String sourceTopic;

    public MicroBatchProcessor(Family<R, B> family, BatchPolicy policy, Deserializer<R> deserializer,
                               StreamsMetrics metrics) {
        this.family = family;
        this.policy = policy;
        this.deserializer = deserializer;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.buffer = context.getStateStore(family.bufferStoreName());
        this.state = context.getStateStore(family.stateStoreName());
        this.sourceTopic = family.id().canonicalTopic();
        context.schedule(policy.ageCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::closeIfOld);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        var metadata = context.recordMetadata().orElseThrow();
        sourceTopic = metadata.topic();
        long recordBytes = record.value() == null ? 0 : Math.max(0, record.value().length - ConfluentWireFormat.HEADER_LENGTH);
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
        buffer.put(metadata.offset(), record.value());
        current = current.with(metadata.offset(), recordBytes, family.eventTime(reading).toEpochMilli(),
                context.currentSystemTimeMs());
        if (current.count() >= policy.maxRecords()) {
            current = close(current, BatchCloseReason.MAX_RECORDS);
        }
        state.put(STATE_KEY, current);
    }

    private void closeIfOld(long now) {
        OpenBatch current = current();
        if (current.isOpen() && now - current.openedTime() >= policy.maxAge().toMillis()) {
            state.put(STATE_KEY, close(current, BatchCloseReason.MAX_AGE));
        }
    }

    private OpenBatch current() {
        OpenBatch current = state.get(STATE_KEY);
        return current == null ? OpenBatch.initial() : current;
    }

    private OpenBatch close(OpenBatch open, BatchCloseReason reason) {
        int partition = context.taskId().partition();
        List<R> records = new ArrayList<>(open.count());
        List<Long> offsets = new ArrayList<>(open.count());
        try (KeyValueIterator<Long, byte[]> buffered = buffer.all()) {
            while (buffered.hasNext()) {
                KeyValue<Long, byte[]> entry = buffered.next();
                records.add(deserializer.deserialize(sourceTopic, new RecordHeaders(), entry.value));
                offsets.add(entry.key);
            }
        }
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
                    + " buffered records, found " + records.size());
        }
        context.forward(new Record<Object, Object>(info.getBatchId(), family.batchOf(info, records), now), family.batchSinkName());
        offsets.forEach(buffer::delete);
        metrics.batch(family.name(), reason.name(), records.size(), open.bytes(), now - open.openedTime());
        LOG.debug("Batch {} closed by {}: {} records, {} bytes", info.getBatchId(), reason, records.size(), open.bytes());
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
