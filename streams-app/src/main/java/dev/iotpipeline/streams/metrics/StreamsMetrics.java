package dev.iotpipeline.streams.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The app's own metrics, next to Kafka Streams' built-in ones. Under exactly-once a crash replays
 * the uncommitted records, so after one these counters may count a record twice; the topics do not.
 */
public final class StreamsMetrics {

    private final MeterRegistry registry;
    // Counted once per record: looked up here, not built and registered again each time.
    private final Map<String, Counter> rawRecords = new ConcurrentHashMap<>();
    private final Map<String, Counter> canonicalRecords = new ConcurrentHashMap<>();
    private final Map<String, Counter> duplicates = new ConcurrentHashMap<>();

    private final MultiGauge formatsInForce;
    private final Counter formatsRejected;

    public StreamsMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.formatsInForce = MultiGauge.builder("iot.streams.formats.in.force")
                .description("1 per format converted now, tagged with the revision in force (built-in or published)")
                .register(registry);
        this.formatsRejected = Counter.builder("iot.streams.formats.rejected")
                .description("Formats topic records refused (descriptor does not compile or names another format)")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A raw record read, by device type and format version as the headers name them. */
    public void rawRecord(String sourceFormat) {
        rawRecords.computeIfAbsent(sourceFormat, format -> Counter.builder("iot.streams.raw.records")
                .description("Raw device messages read").tag("source_format", format).register(registry)).increment();
    }

    /** A canonical record written, after duplicate removal. */
    public void canonicalRecord(String family) {
        canonicalRecords.computeIfAbsent(family, name -> Counter.builder("iot.streams.canonical.records")
                .description("Canonical records written").tag("family", name).register(registry)).increment();
    }

    public void deadLetter(String stage, String reason) {
        Counter.builder("iot.streams.deadletters").description("Records sent to the dead-letter topic")
                .tag("stage", stage).tag("reason", reason).register(registry).increment();
    }

    public void duplicate(String family) {
        duplicates.computeIfAbsent(family, name -> Counter.builder("iot.streams.duplicates")
                .description("Readings dropped as already seen within the window").tag("family", name).register(registry))
                .increment();
    }

    /** The formats in force now, each with its revision; formats no longer listed disappear. */
    public void formatsInForce(Map<String, String> revisionByFormat) {
        formatsInForce.register(revisionByFormat.entrySet().stream()
                .map(format -> MultiGauge.Row.of(Tags.of("format", format.getKey(), "revision", format.getValue()), 1))
                .toList(), true);
    }

    /** A formats topic record that could not be put in force. */
    public void formatRejected() {
        formatsRejected.increment();
    }

    public void batch(String family, String closeReason, int records, long bytes, long ageMillis) {
        Counter.builder("iot.streams.batches").description("Micro-batches emitted")
                .tag("family", family).tag("close_reason", closeReason).register(registry).increment();
        DistributionSummary.builder("iot.streams.batch.records").description("Records per batch")
                .tag("family", family).register(registry).record(records);
        DistributionSummary.builder("iot.streams.batch.bytes").description("Serialized record bytes per batch")
                .baseUnit("bytes").tag("family", family).register(registry).record(bytes);
        DistributionSummary.builder("iot.streams.batch.age").description("Wall-clock age of a batch when closed")
                .baseUnit("milliseconds").tag("family", family).register(registry).record(ageMillis);
    }
}
