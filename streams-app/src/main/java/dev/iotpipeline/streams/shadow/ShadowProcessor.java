package dev.iotpipeline.streams.shadow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.schemas.shadow.ShadowState;
import dev.iotpipeline.streams.convert.Reasons;
import dev.iotpipeline.streams.deadletter.DeadLetters;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.outage.RegistryOutage;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintains each device's shadow from its reported and desired state updates (both compacted
 * topics keyed by device id, read by this one processor so their updates for a device are applied
 * in one order) and emits every new version with its delta to the shadow topic. A tombstone on
 * either state topic erases the shadow.
 */
public final class ShadowProcessor implements Processor<String, byte[], String, Object> {

    public static final String STORE = "shadows";
    public static final String SINK = "shadow-sink";
    public static final String DEAD_LETTER = "deadletter-sink-shadow";

    private static final Logger LOG = LoggerFactory.getLogger(ShadowProcessor.class);

    private final String reportedTopic;
    private final Deserializer<ShadowState> deserializer;
    private final StreamsMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, DeviceShadow> shadows;

    public ShadowProcessor(String reportedTopic, Deserializer<ShadowState> deserializer, StreamsMetrics metrics) {
        this.reportedTopic = reportedTopic;
        this.deserializer = deserializer;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.shadows = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null && record.key() != null) {
            erase(record);
            return;
        }
        ShadowState update;
        try {
            update = deserializer.deserialize(context.recordMetadata().map(m -> m.topic()).orElse(""), record.headers(),
                    record.value());
        } catch (RuntimeException e) {
            if (RegistryOutage.isCauseOf(e)) {
                // The update is fine; the registry is not. Fail the thread so the update is read again later.
                throw e;
            }
            deadLetter(record, "cannot decode the shadow state: " + e.getMessage());
            return;
        }
        if (record.key() == null || update == null || !record.key().equals(update.getDeviceId())) {
            deadLetter(record, "the record key must be the device id of its state");
            return;
        }
        boolean reported = context.recordMetadata().map(m -> m.topic().equals(reportedTopic)).orElse(false);
        DeviceShadow current = shadows.get(record.key());
        ObjectNode reportedState = ShadowDocuments.parseObject(current == null ? "{}" : current.getReported());
        ObjectNode desiredState = ShadowDocuments.parseObject(current == null ? "{}" : current.getDesired());
        try {
            ObjectNode patch = ShadowDocuments.parseObject(update.getState());
            if (reported) {
                reportedState = ShadowDocuments.merge(reportedState, patch);
            } else {
                desiredState = ShadowDocuments.merge(desiredState, patch);
            }
        } catch (IllegalArgumentException e) {
            deadLetter(record, e.getMessage());
            return;
        }
        DeviceShadow next = DeviceShadow.newBuilder()
                .setDeviceId(update.getDeviceId())
                .setDeviceType(update.getDeviceType())
                .setVersion(current == null ? 1 : current.getVersion() + 1)
                .setReported(ShadowDocuments.write(reportedState))
                .setDesired(ShadowDocuments.write(desiredState))
                .setDelta(ShadowDocuments.write(ShadowDocuments.delta(desiredState, reportedState)))
                .setUpdatedTime(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .build();
        shadows.put(record.key(), next);
        context.forward(new Record<>(record.key(), next, record.timestamp()), SINK);
    }

    /**
     * A tombstone on either state topic (a device erased): the shadow is forgotten and a tombstone
     * goes to the shadow topic, so compaction removes every version of it there too.
     */
    private void erase(Record<String, byte[]> record) {
        if (shadows.delete(record.key()) != null) {
            LOG.info("Shadow of {} erased", record.key());
            context.forward(new Record<String, Object>(record.key(), null, record.timestamp()), SINK);
        }
    }

    private void deadLetter(Record<String, byte[]> record, String message) {
        LOG.warn("Shadow update for {} dead-lettered: {}", record.key(), message);
        metrics.deadLetter(DeadLetters.STAGE_SHADOW, Reasons.INVALID_SHADOW_STATE);
        var headers = DeadLetters.headers(record.headers(), Reasons.INVALID_SHADOW_STATE, message, DeadLetters.STAGE_SHADOW,
                context.recordMetadata(), null, context.currentSystemTimeMs());
        context.forward(new Record<String, Object>(record.key(), record.value(), record.timestamp(), headers), DEAD_LETTER);
    }
}
