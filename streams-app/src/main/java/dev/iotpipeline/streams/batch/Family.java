package dev.iotpipeline.streams.batch;

import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * What the topology needs to know about one measurement family: its canonical and batch classes,
 * how to read the key fields of a record, and how to wrap records into a batch.
 *
 * @param <R> canonical record class
 * @param <B> batch envelope class
 */
public final class Family<R extends SpecificRecord, B extends SpecificRecord> {

    public static final Family<EnvReading, EnvReadingBatch> ENV_READING = new Family<>(MeasurementFamily.ENV_READING,
            EnvReading.class, EnvReadingBatch.class, EnvReading::getDeviceId, EnvReading::getMessageId,
            EnvReading::getEventTime, (info, records) -> new EnvReadingBatch(info, records));
    public static final Family<Position, PositionBatch> POSITION = new Family<>(MeasurementFamily.POSITION,
            Position.class, PositionBatch.class, Position::getDeviceId, Position::getMessageId,
            Position::getEventTime, (info, records) -> new PositionBatch(info, records));
    public static final List<Family<?, ?>> ALL = List.of(ENV_READING, POSITION);

    private final MeasurementFamily id;
    private final Class<R> recordType;
    private final Class<B> batchType;
    private final Function<R, String> deviceId;
    private final Function<R, String> messageId;
    private final Function<R, Instant> eventTime;
    private final BiFunction<BatchInfo, List<R>, B> batchOf;

    private Family(MeasurementFamily id, Class<R> recordType, Class<B> batchType, Function<R, String> deviceId,
                   Function<R, String> messageId, Function<R, Instant> eventTime, BiFunction<BatchInfo, List<R>, B> batchOf) {
        this.id = id;
        this.recordType = recordType;
        this.batchType = batchType;
        this.deviceId = deviceId;
        this.messageId = messageId;
        this.eventTime = eventTime;
        this.batchOf = batchOf;
    }

    /** The family of a canonical record. */
    @SuppressWarnings("unchecked")
    public static Family<SpecificRecord, ?> of(SpecificRecord record) {
        for (Family<?, ?> family : ALL) {
            if (family.recordType.isInstance(record)) {
                return (Family<SpecificRecord, ?>) family;
            }
        }
        throw new IllegalArgumentException("Not a canonical record: " + record.getClass().getName());
    }

    public MeasurementFamily id() {
        return id;
    }

    public String name() {
        return id.familyName();
    }

    public Class<R> recordType() {
        return recordType;
    }

    public Class<B> batchType() {
        return batchType;
    }

    public String deviceId(R record) {
        return deviceId.apply(record);
    }

    public String messageId(R record) {
        return messageId.apply(record);
    }

    public Instant eventTime(R record) {
        return eventTime.apply(record);
    }

    public B batchOf(BatchInfo info, List<R> records) {
        return batchOf.apply(info, records);
    }

    /** Topology node names, unique per family. */
    public String canonicalSinkName() {
        return "canonical-sink-" + name();
    }

    public String canonicalSourceName() {
        return "canonical-source-" + name();
    }

    public String batcherName() {
        return "batcher-" + name();
    }

    public String batchSinkName() {
        return "batch-sink-" + name();
    }

    public String batchDeadLetterSinkName() {
        return "deadletter-sink-batch-" + name();
    }

    public String stateStoreName() {
        return "batch-state-" + name();
    }
}
