package dev.iotpipeline.streams.formats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.schemas.contract.FormatHeaders;
import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStoreWithHeaders;
import org.apache.kafka.streams.state.ValueTimestampHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restart path: Kafka Streams restores the formats store from the topic without calling the
 * processor, so what the restored store holds must be in force once the processor is initialised,
 * before any task converts a reading.
 */
class FormatTopicProcessorTest {

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FormatCatalog catalog = new FormatCatalog(new ConverterRegistry(ConverterRegistry.builtIn()));

    @Test
    void whatTheRestoredStoreHoldsIsInForceWithItsRevisionFromTheStartAndARefusedRecordFallsBackToTheBuiltInOne() throws IOException {
        MockProcessorContext<Void, Void> context = new MockProcessorContext<>(new Properties(), new TaskId(0, 0),
                stateDir.toFile());
        TimestampedKeyValueStoreWithHeaders<String, byte[]> store = Stores.timestampedKeyValueStoreWithHeadersBuilder(
                Stores.persistentTimestampedKeyValueStoreWithHeaders(FormatTopicProcessor.STORE), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        store.put("env-sensor/v4", ValueTimestampHeaders.make(v4(), 0L, new RecordHeaders()
                .add(FormatHeaders.REVISION, "3".getBytes(StandardCharsets.UTF_8))));
        store.put("env-sensor/v3", ValueTimestampHeaders.make("format: env-sensor/v3\nrecord: nonsense\n"
                .getBytes(StandardCharsets.UTF_8), 0L, new RecordHeaders()));
        store.put("env-sensor/v9", ValueTimestampHeaders.make(v4(), 0L, new RecordHeaders()));

        new FormatTopicProcessor(catalog, new StreamsMetrics(meters)).init(context);

        assertThat(catalog.find("env-sensor/v4")).isPresent();
        assertThat(catalog.inForce("env-sensor/v4").orElseThrow().revision()).isEqualTo("3");
        assertThat(catalog.find("env-sensor/v9")).isEmpty();
        assertThat(catalog.inForce("env-sensor/v3").orElseThrow().revision()).isEqualTo(FormatCatalog.BUILT_IN);
        assertThat(meters.get("iot.streams.formats.rejected").counter().count()).isEqualTo(2.0);
        assertThat(meters.get("iot.streams.formats.in.force").tag("format", "env-sensor/v4").gauge().value()).isEqualTo(1.0);
    }

    private static byte[] v4() throws IOException {
        try (InputStream in = FormatTopicProcessorTest.class.getResourceAsStream("/descriptors/env-sensor-v4.yaml")) {
            return in.readAllBytes();
        }
    }
}
