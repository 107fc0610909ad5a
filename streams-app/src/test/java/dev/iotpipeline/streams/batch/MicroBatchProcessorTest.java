package dev.iotpipeline.streams.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.batch.BatchCloseReason;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.env.EnvSensorV1JsonConverter;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batcher alone: the open batch's records are not in a state store but read again from the
 * canonical topic (here an in-memory partition) whenever a task starts on committed state.
 */
class MicroBatchProcessorTest {

    private static final String TOPIC = MeasurementFamily.ENV_READING.canonicalTopic();
    private static final int PARTITION = 1;
    private static final long START = Instant.parse("2025-11-24T00:00:00Z").toEpochMilli();

    @TempDir
    Path stateDir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ConfluentAvroSerializer<EnvReading> serializer = new ConfluentAvroSerializer<>(registry);
    private final StreamsMetrics metrics = new StreamsMetrics(new SimpleMeterRegistry());
    /** The canonical partition as the broker holds it: offset to value; gaps are transaction markers. */
    private final TreeMap<Long, byte[]> partitionLog = new TreeMap<>();
    private final List<long[]> reads = new ArrayList<>();
    private KeyValueStore<Integer, OpenBatch> state;

    @BeforeEach
    void store() {
        state = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Family.ENV_READING.stateStoreName()),
                Serdes.Integer(), OpenBatch.serde()).withLoggingDisabled().build();
    }

    @Test
    void theBatchOpenWhenATaskStoppedIsReadAgainFromTheCanonicalTopicWithNothingLostOrDoubled() {
        BatchPolicy policy = new BatchPolicy(5, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMinutes(1));
        var first = context();
        MicroBatchProcessor<EnvReading, EnvReadingBatch> crashed = processor(policy, first);
        // Offset 2 is a commit marker of the transaction that wrote 0 and 1.
        for (long offset : new long[] {0, 1, 3}) {
            process(crashed, first, offset);
        }
        assertThat(first.forwarded()).isEmpty();
        assertThat(state.get(0).count()).isEqualTo(3);

        // A new instance on the same (restored) state, as after a crash, restart or rebalance.
        var second = context();
        MicroBatchProcessor<EnvReading, EnvReadingBatch> resumed = processor(policy, second);
        process(resumed, second, 4);
        process(resumed, second, 5);

        assertThat(reads).containsExactly(new long[] {0, 3});
        EnvReadingBatch batch = onlyBatch(second);
        assertThat(batch.getInfo().getBatchId()).isEqualTo("env_reading-1-0-5");
        assertThat(batch.getInfo().getSequence()).isZero();
        assertThat(batch.getInfo().getCloseReason()).isEqualTo(BatchCloseReason.MAX_RECORDS);
        assertThat(batch.getRecords()).extracting(EnvReading::getMessageId)
                .containsExactly(messageId(0), messageId(1), messageId(3), messageId(4), messageId(5));
        assertThat(state.get(0).isOpen()).isFalse();
        assertThat(state.get(0).nextSequence()).isEqualTo(1);
    }

    @Test
    void aRevivedTaskDropsTheRecordsOfItsAbortedTransactionAndFollowsTheRestoredState() {
        BatchPolicy policy = new BatchPolicy(3, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMinutes(1));
        var context = context();
        MicroBatchProcessor<EnvReading, EnvReadingBatch> processor = processor(policy, context);
        process(processor, context, 0);
        OpenBatch committed = state.get(0);
        process(processor, context, 1);
        // The transaction that held offset 1 aborts: the store is restored to the last commit and the
        // task (the same processor instance) is initialised again, then offset 1 comes again.
        state.put(0, committed);
        processor.init(context);
        process(processor, context, 1);
        process(processor, context, 2);

        assertThat(onlyBatch(context).getRecords()).extracting(EnvReading::getMessageId)
                .containsExactly(messageId(0), messageId(1), messageId(2));
        assertThat(reads).containsExactly(new long[] {0, 0});
    }

    @Test
    void aQuietTaskRestartedPastTheMaxAgeClosesTheRebuiltBatchOnItsFirstPunctuation() {
        BatchPolicy policy = new BatchPolicy(100, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(10));
        var first = context();
        MicroBatchProcessor<EnvReading, EnvReadingBatch> crashed = processor(policy, first);
        process(crashed, first, 0);
        process(crashed, first, 1);

        var second = context();
        processor(policy, second);
        second.setCurrentSystemTimeMs(START + 11_000);
        CapturedPunctuator punctuator = second.scheduledPunctuators().get(0);
        punctuator.getPunctuator().punctuate(START + 11_000);

        EnvReadingBatch batch = onlyBatch(second);
        assertThat(batch.getInfo().getCloseReason()).isEqualTo(BatchCloseReason.MAX_AGE);
        assertThat(batch.getInfo().getBatchId()).isEqualTo("env_reading-1-0-1");
        assertThat(batch.getRecords()).hasSize(2);
    }

    @Test
    void aRebuildThatDoesNotMatchTheStateStopsInsteadOfEmittingAWrongBatch() {
        BatchPolicy policy = new BatchPolicy(3, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofMinutes(1));
        var first = context();
        MicroBatchProcessor<EnvReading, EnvReadingBatch> crashed = processor(policy, first);
        process(crashed, first, 0);
        process(crashed, first, 1);
        partitionLog.remove(1L);

        var second = context();
        MicroBatchProcessor<EnvReading, EnvReadingBatch> resumed = processor(policy, second);
        assertThatThrownBy(() -> process(resumed, second, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("env_reading-1-0-1").hasMessageContaining("2 records");
        assertThat(second.forwarded()).isEmpty();
    }

    private MockProcessorContext<Object, Object> context() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batcher-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props, new TaskId(1, PARTITION),
                stateDir.toFile());
        context.setCurrentSystemTimeMs(START);
        return context;
    }

    /** A new processor instance on the shared store, as a task (re)starting on restored state. */
    private MicroBatchProcessor<EnvReading, EnvReadingBatch> processor(BatchPolicy policy,
                                                                      MockProcessorContext<Object, Object> context) {
        state.init(context.getStateStoreContext(), state);
        context.addStateStore(state);
        MicroBatchProcessor<EnvReading, EnvReadingBatch> processor = new MicroBatchProcessor<>(Family.ENV_READING, policy,
                new ConfluentAvroDeserializer<>(registry, EnvReading.class), metrics, ignored -> this::read);
        processor.init(context);
        return processor;
    }

    private List<ConsumerRecord<byte[], byte[]>> read(String topic, int partition, long from, long to) {
        assertThat(topic).isEqualTo(TOPIC);
        assertThat(partition).isEqualTo(PARTITION);
        reads.add(new long[] {from, to});
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        partitionLog.subMap(from, true, to, true).forEach((offset, value) ->
                records.add(new ConsumerRecord<>(topic, partition, offset, null, value)));
        return records;
    }

    /** Writes the reading at {@code offset} to the partition and hands it to the batcher. */
    private void process(MicroBatchProcessor<EnvReading, EnvReadingBatch> processor,
                         MockProcessorContext<Object, Object> context, long offset) {
        byte[] value = serializer.serialize(TOPIC, reading(offset));
        partitionLog.put(offset, value);
        context.setRecordMetadata(TOPIC, PARTITION, offset);
        processor.process(new Record<>("env-0001", value, START + offset));
    }

    private static EnvReading reading(long offset) {
        String json = "{\"id\":\"env-0001\",\"ts\":" + (1763942400L + offset) + ",\"t\":215,\"h\":41}";
        try {
            return (EnvReading) new EnvSensorV1JsonConverter().convert(new RawReading(json.getBytes(StandardCharsets.UTF_8),
                    "env-0001", Instant.ofEpochMilli(START), PhysicalLimits.DEFAULT_EVENT_TIME_FLOOR));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String messageId(long offset) {
        return "ts-" + (1763942400L + offset) * 1000;
    }

    private static EnvReadingBatch onlyBatch(MockProcessorContext<Object, Object> context) {
        var forwarded = context.forwarded(Family.ENV_READING.batchSinkName());
        assertThat(forwarded).hasSize(1);
        return (EnvReadingBatch) forwarded.get(0).record().value();
    }
}
