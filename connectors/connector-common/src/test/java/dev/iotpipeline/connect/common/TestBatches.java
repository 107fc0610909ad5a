package dev.iotpipeline.connect.common;

import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.batch.BatchCloseReason;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** Canonical readings and batch envelopes in the wire format, for the sinks' tests and benchmarks. */
public final class TestBatches {

    public static final Instant T0 = Instant.parse("2025-11-23T21:33:20.250Z");

    private TestBatches() {
    }

    public static EnvReading env(String device, String messageId, Instant eventTime, Double temperature) {
        return EnvReading.newBuilder().setDeviceId(device).setEventTime(eventTime).setIngestTime(eventTime.plusSeconds(1))
                .setSourceFormat("env-sensor/v2").setFirmware(null).setTemperatureC(temperature).setHumidityPct(41.0)
                .setBatteryPct(null).setBatteryV(3.71).setSensorFault(false).setLowBattery(null)
                .setMessageId(messageId).build();
    }

    public static Position position(String device, String messageId, Instant eventTime) {
        return Position.newBuilder().setDeviceId(device).setEventTime(eventTime).setIngestTime(eventTime)
                .setSourceFormat("gps-tracker/v2").setLatitude(35.681236).setLongitude(139.767125).setSpeedMps(3.5)
                .setHeadingDeg(null).setAccuracyM(null).setMessageId(messageId).build();
    }

    /** A batch id like the streams app's: {@code <family>-<partition>-<first offset>-<last offset>}. */
    public static BatchInfo info(String family, int partition, long firstOffset, List<Instant> eventTimes) {
        int count = eventTimes.size();
        Instant min = eventTimes.stream().min(Comparator.naturalOrder()).orElse(T0);
        Instant max = eventTimes.stream().max(Comparator.naturalOrder()).orElse(T0);
        return BatchInfo.newBuilder().setBatchId(family + "-" + partition + "-" + firstOffset + "-" + (firstOffset + count - 1))
                .setFamily(family).setSourceTopic("iot.canonical." + family).setSourcePartition(partition).setSequence(0)
                .setFirstOffset(firstOffset).setLastOffset(firstOffset + count - 1).setRecordCount(count)
                .setMinEventTime(min).setMaxEventTime(max).setOpenedTime(T0).setClosedTime(T0)
                .setCloseReason(BatchCloseReason.MAX_RECORDS).build();
    }

    public static EnvReadingBatch envBatch(int partition, long firstOffset, List<EnvReading> readings) {
        return new EnvReadingBatch(info("env_reading", partition, firstOffset,
                readings.stream().map(EnvReading::getEventTime).toList()), readings);
    }

    public static PositionBatch positionBatch(int partition, long firstOffset, List<Position> positions) {
        return new PositionBatch(info("position", partition, firstOffset,
                positions.stream().map(Position::getEventTime).toList()), positions);
    }

    public static <T extends SpecificRecord> byte[] wire(SchemaRegistryClient registry, String topic, T batch) {
        return new ConfluentAvroSerializer<T>(registry).serialize(topic, batch);
    }

    /** A batch as the sinks see it: through the wire format and the one decoder. */
    public static Batch decoded(SpecificRecord batch) {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        return new BatchDecoder(registry).decode("iot.batch", wire(registry, "iot.batch", batch));
    }

    /** Env readings of one batch (partition 0, from offset 0), decoded. */
    public static Batch decodedEnv(EnvReading... readings) {
        return decoded(envBatch(0, 0, List.of(readings)));
    }
}
