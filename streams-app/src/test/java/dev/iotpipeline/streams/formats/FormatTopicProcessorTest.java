package dev.iotpipeline.streams.formats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The restart path: Kafka Streams restores the formats store from the topic without calling the
 * processor, so what the restored store holds must be in force once the processor is initialised,
 * before any task converts a reading.
 */
class FormatTopicProcessorTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FormatCatalog catalog = new FormatCatalog(new ConverterRegistry(ConverterRegistry.builtIn()));

    @Test
    void whatTheRestoredStoreHoldsIsInForceFromTheStartAndARefusedRecordFallsBackToTheBuiltInOne() throws IOException {
        MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(FormatTopicProcessor.STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        store.put("env-sensor/v4", v4());
        store.put("env-sensor/v3", "format: env-sensor/v3\nrecord: nonsense\n".getBytes(StandardCharsets.UTF_8));

        new FormatTopicProcessor(catalog, new StreamsMetrics(meters)).init(context);

        assertThat(catalog.find("env-sensor/v4")).isPresent();
        assertThat(catalog.inForce("env-sensor/v4").orElseThrow().revision()).isEqualTo(FormatInForce.UNKNOWN);
        assertThat(catalog.inForce("env-sensor/v3").orElseThrow().revision()).isEqualTo(FormatCatalog.BUILT_IN);
        assertThat(meters.get("iot.streams.formats.rejected").counter().count()).isEqualTo(1.0);
        assertThat(meters.get("iot.streams.formats.in.force").tag("format", "env-sensor/v4").gauge().value()).isEqualTo(1.0);
    }

    private static byte[] v4() throws IOException {
        try (InputStream in = FormatTopicProcessorTest.class.getResourceAsStream("/descriptors/env-sensor-v4.yaml")) {
            return in.readAllBytes();
        }
    }
}
