package dev.iotpipeline.streams.topology;

import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.registry.serde.ConfluentAvroSerde;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.schemas.shadow.ShadowState;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.streams.batch.Family;
import dev.iotpipeline.streams.batch.MicroBatchProcessor;
import dev.iotpipeline.streams.batch.OpenBatch;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.dedup.DeduplicationProcessor;
import dev.iotpipeline.streams.formats.FormatCatalog;
import dev.iotpipeline.streams.formats.FormatTopicProcessor;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.shadow.ShadowProcessor;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The processing stage as a pure function of its settings.
 *
 * <pre>
 * raw topics ──convert──dedup──▶ iot.canonical.&lt;family&gt; ──batch──▶ iot.batch.&lt;family&gt;
 *                 │                                          │
 *                 └──────────────▶ dead-letter topic ◀───────┘
 * </pre>
 *
 * Device shadows: {@code iot.shadow.reported} and {@code iot.shadow.desired} updates become
 * versioned {@code iot.shadow} records with their delta ({@link ShadowProcessor}).
 *
 * <p>Formats: the formats topic feeds a global store whose processor keeps the {@link FormatCatalog}
 * the conversion looks converters up in ({@link FormatTopicProcessor}); every instance reads the
 * whole topic, and has restored it before its tasks process.
 *
 * <p>Batching reads the canonical topic rather than batching in the first sub-topology, so each batch
 * covers one canonical partition's contiguous offset range, whichever raw topics fed it.
 */
public final class TelemetryTopology {

    static final String RAW_SOURCE = "raw-source";
    static final String CONVERT = "convert";
    static final String SHADOW_SOURCE = "shadow-source";
    static final String SHADOW = "shadow";
    static final String FORMATS_SOURCE = "formats-source";
    static final String FORMATS = "formats";

    private TelemetryTopology() {
    }

    /** With the built-in converters {@code converters} and whatever the formats topic publishes on top. */
    public static Topology build(TopologySettings settings, SchemaRegistryClient registry, BatchPolicy policy,
                                 ConverterRegistry converters, StreamsMetrics metrics) {
        return build(settings, registry, policy, new FormatCatalog(converters), metrics);
    }

    /** With the converters of {@code converters}, which the formats topic keeps up to date. */
    public static Topology build(TopologySettings settings, SchemaRegistryClient registry, BatchPolicy policy,
                                 FormatCatalog converters, StreamsMetrics metrics) {
        Topology topology = new Topology();
        // Logging disabled: a global store's changelog is its source topic.
        topology.addGlobalStore(Stores.timestampedKeyValueStoreWithHeadersBuilder(
                        Stores.persistentTimestampedKeyValueStoreWithHeaders(FormatTopicProcessor.STORE),
                        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(),
                FORMATS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), settings.formatsTopic(), FORMATS,
                () -> new FormatTopicProcessor(converters, metrics));
        topology.addSource(RAW_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                settings.rawTopics().toArray(String[]::new));
        topology.addProcessor(CONVERT, () -> new ConversionProcessor(converters, metrics, settings.eventTimeFloor()), RAW_SOURCE);
        topology.addSink(ConversionProcessor.DEAD_LETTER, settings.deadLetterTopic(),
                new ByteArraySerializer(), new ByteArraySerializer(), CONVERT);
        topology.addProcessor(ConversionProcessor.CANONICAL,
                () -> new DeduplicationProcessor(settings.dedupWindow(), metrics), CONVERT);
        topology.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(DeduplicationProcessor.STORE, settings.dedupWindow(), settings.dedupWindow(), false),
                Serdes.String(), Serdes.Long()).withCachingDisabled(), ConversionProcessor.CANONICAL);
        for (Family<?, ?> family : Family.ALL) {
            addFamily(topology, family, settings, registry, policy, metrics);
        }
        addShadows(topology, settings, registry, metrics);
        return topology;
    }

    private static <R extends SpecificRecord, B extends SpecificRecord> void addFamily(
            Topology topology, Family<R, B> family, TopologySettings settings, SchemaRegistryClient registry,
            BatchPolicy policy, StreamsMetrics metrics) {
        String canonicalTopic = family.id().canonicalTopic();
        topology.addSink(family.canonicalSinkName(), canonicalTopic, new StringSerializer(),
                anyRecord(new ConfluentAvroSerializer<>(registry)), ConversionProcessor.CANONICAL);

        topology.addSource(family.canonicalSourceName(), new StringDeserializer(), new ByteArrayDeserializer(), canonicalTopic);
        topology.addProcessor(family.batcherName(), () -> new MicroBatchProcessor<>(family, policy,
                new ConfluentAvroDeserializer<>(registry, family.recordType()), metrics), family.canonicalSourceName());
        // One entry per partition, rewritten per record: the cache sends it to the changelog once per commit.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(family.stateStoreName()), Serdes.Integer(), OpenBatch.serde())
                .withCachingEnabled(), family.batcherName());
        topology.addSink(family.batchSinkName(), family.id().batchTopic(), new StringSerializer(),
                anyRecord(new ConfluentAvroSerializer<B>(registry)), TelemetryTopology::sameAsSourcePartition,
                family.batcherName());
        topology.addSink(family.batchDeadLetterSinkName(), settings.deadLetterTopic(), new StringSerializer(),
                new ByteArraySerializer(), family.batcherName());
    }

    /** Reported and desired state updates into versioned shadows with their delta. */
    private static void addShadows(Topology topology, TopologySettings settings, SchemaRegistryClient registry,
                                   StreamsMetrics metrics) {
        topology.addSource(SHADOW_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                Topics.SHADOW_REPORTED, Topics.SHADOW_DESIRED);
        topology.addProcessor(SHADOW, () -> new ShadowProcessor(Topics.SHADOW_REPORTED,
                new ConfluentAvroDeserializer<>(registry, ShadowState.class), metrics), SHADOW_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ShadowProcessor.STORE),
                Serdes.String(), new ConfluentAvroSerde<>(registry, DeviceShadow.class)), SHADOW);
        topology.addSink(ShadowProcessor.SINK, Topics.SHADOW, new StringSerializer(),
                anyRecord(new ConfluentAvroSerializer<DeviceShadow>(registry)), SHADOW);
        topology.addSink(ShadowProcessor.DEAD_LETTER, settings.deadLetterTopic(), new StringSerializer(),
                new ByteArraySerializer(), SHADOW);
    }

    /**
     * A batch goes to the batch-topic partition numbered like its source partition (modulo), so
     * the batches of one source partition stay in order for the sinks and for gap checks.
     */
    private static Optional<Set<Integer>> sameAsSourcePartition(String topic, String key, Object batch, int partitions) {
        SpecificRecord envelope = (SpecificRecord) batch;
        BatchInfo info = (BatchInfo) envelope.get(envelope.getSchema().getField("info").pos());
        return Optional.of(Set.of(info.getSourcePartition() % partitions));
    }

    @SuppressWarnings("unchecked")
    private static <T> Serializer<Object> anyRecord(Serializer<T> serializer) {
        return (Serializer<Object>) serializer;
    }
}
