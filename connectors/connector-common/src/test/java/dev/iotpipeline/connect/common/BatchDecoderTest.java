package dev.iotpipeline.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.client.RegistryUnavailableException;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class BatchDecoderTest {

    static final String TOPIC = "iot.batch.env_reading";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void decodesEveryFieldWithTheWriterSchemaAndTimesAsInstants() {
        Batch batch = new BatchDecoder(registry).decode(TOPIC, TestBatches.wire(registry, TOPIC, TestBatches.envBatch(0, 0,
                List.of(TestBatches.env("d-1", "m1", TestBatches.T0, 21.5), TestBatches.env("d-2", "m2", TestBatches.T0, 21.5)))));

        assertThat(batch.family()).isEqualTo(MeasurementFamily.ENV_READING);
        assertThat(batch.batchId()).isEqualTo("env_reading-0-0-1");
        assertThat(Batch.text(batch.info(), "source_topic")).isEqualTo("iot.canonical.env_reading");
        assertThat(batch.readings()).hasSize(2);
        assertThat(Batch.text(batch.readings().get(1), "device_id")).isEqualTo("d-2");
        assertThat(Batch.eventTime(batch.readings().get(0))).isEqualTo(TestBatches.T0);
        assertThat(batch.readings().get(0).get("ingest_time")).isEqualTo(TestBatches.T0.plusSeconds(1));
        assertThat(batch.readingSchema().getField("battery_pct")).isNotNull();
    }

    @Test
    void aBatchWhoseFamilyDoesNotMatchItsRecordsIsRefused() {
        byte[] wire = TestBatches.wire(registry, TOPIC, new EnvReadingBatch(TestBatches.info("position", 0, 0, List.of(TestBatches.T0)),
                List.of(TestBatches.env("d-1", "m1", TestBatches.T0, 21.5))));
        assertThatThrownBy(() -> new BatchDecoder(registry).decode(TOPIC, wire))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("says family 'position'");
    }

    @Test
    void aTombstoneOrBytesOutsideTheWireFormatAreNotBatches() {
        BatchDecoder decoder = new BatchDecoder(registry);
        assertThatThrownBy(() -> decoder.decode(TOPIC, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tombstone");
        assertThatThrownBy(() -> decoder.decode(TOPIC, new byte[] {1, 2, 3, 4, 5, 6}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Confluent wire format");
        assertThat(BatchDecoder.registryUnavailable(new SerializationException("x", new RegistryUnavailableException("http://registry", "down", null))))
                .isTrue();
        assertThat(BatchDecoder.registryUnavailable(new IllegalArgumentException("not a batch"))).isFalse();
    }

    @Test
    void truncatedAvroIsRefusedAsInvalid() {
        byte[] wire = TestBatches.wire(registry, TOPIC, TestBatches.envBatch(0, 0, List.of(TestBatches.env("d-1", "m1", TestBatches.T0, 21.5))));
        byte[] cut = Arrays.copyOf(wire, wire.length - 20);
        assertThatThrownBy(() -> new BatchDecoder(registry).decode(TOPIC, cut))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid Avro");
    }
}
