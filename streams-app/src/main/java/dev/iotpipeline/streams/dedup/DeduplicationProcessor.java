package dev.iotpipeline.streams.dedup;

import dev.iotpipeline.streams.batch.Family;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops a reading whose ({@code device_id}, {@code message_id}) was already seen within the
 * window, as MQTT QoS 1 redelivery and device retries produce. Seen keys live in a window store
 * whose retention is the window, so the state is bounded by it and expires segment by segment;
 * its changelog makes it survive restarts, and under exactly-once it commits together with the
 * output. Time is the record timestamp (the bridge's receive time), so a reading delivered again
 * months later after the window is stored again by the sinks' own unique keys only.
 */
public final class DeduplicationProcessor implements Processor<Object, Object, Object, Object> {

    public static final String STORE = "dedup-seen";

    private final Duration window;
    private final StreamsMetrics metrics;
    private WindowStore<String, Long> seen;
    private ProcessorContext<Object, Object> context;

    public DeduplicationProcessor(Duration window, StreamsMetrics metrics) {
        this.window = window;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<Object, Object> record) {
        SpecificRecord reading = (SpecificRecord) record.value();
        Family<SpecificRecord, ?> family = Family.of(reading);
        String key = family.deviceId(reading) + '\u0000' + family.messageId(reading);
        long time = record.timestamp();
        long windowMillis = window.toMillis();
        try (WindowStoreIterator<Long> earlier = seen.fetch(key, Math.max(0, time - windowMillis), time + windowMillis)) {
            if (earlier.hasNext()) {
                metrics.duplicate(family.name());
                return;
            }
        }
        seen.put(key, time, time);
        metrics.canonicalRecord(family.name());
        context.forward(record, family.canonicalSinkName());
    }
}
