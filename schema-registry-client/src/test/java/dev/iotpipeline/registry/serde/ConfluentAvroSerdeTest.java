package dev.iotpipeline.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaNotFoundException;
import dev.iotpipeline.registry.client.UnknownSchemaIdException;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentAvroSerdeTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    static EnvReading reading() {
        return EnvReading.newBuilder()
                .setDeviceId("env-0001")
                .setEventTime(Instant.parse("2025-11-23T21:33:20.250Z"))
                .setIngestTime(Instant.parse("2025-11-23T21:33:21.007Z"))
                .setSourceFormat("env-sensor/v2")
                .setFirmware("2.3.1")
                .setTemperatureC(-3.5)
                .setHumidityPct(41.0)
                .setBatteryPct(null)
                .setBatteryV(3.71)
                .setSensorFault(false)
                .setLowBattery(null)
                .setMessageId("5f0c2a")
                .build();
    }

    @Test
    void roundTripKeepsEveryFieldIncludingNullsAndMillisecondTimes() {
        var serde = new ConfluentAvroSerde<>(registry, EnvReading.class);

        byte[] bytes = serde.serializer().serialize("canonical.env_reading", reading());
        EnvReading back = serde.deserializer().deserialize("canonical.env_reading", bytes);

        assertThat(back).isEqualTo(reading());
        assertThat(back.getEventTime()).isEqualTo(Instant.parse("2025-11-23T21:33:20.250Z"));
        assertThat(back.getBatteryPct()).isNull();
    }

    @Test
    void framesWithMagicByteZeroAndTheBigEndianSchemaIdOfTheTopicValueSubject() {
        var serializer = new ConfluentAvroSerializer<Position>(registry);
        serializer.serialize("warm-up", Position.newBuilder(position()).build());
        serializer.serialize("canonical.env_reading", null);

        byte[] bytes = new ConfluentAvroSerializer<EnvReading>(registry).serialize("canonical.env_reading", reading());

        int id = registry.latest("canonical.env_reading-value").id();
        assertThat(id).isEqualTo(2);
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(registry.subjects()).containsExactlyInAnyOrder("warm-up-value", "canonical.env_reading-value");
    }

    @Test
    void recordNameStrategyAcceptsConfluentClassNames() {
        var serializer = new ConfluentAvroSerializer<EnvReading>(registry);
        serializer.configure(Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY,
                "io.confluent.kafka.serializers.subject.RecordNameStrategy"), false);

        serializer.serialize("any-topic", reading());

        assertThat(registry.subjects()).containsExactly("dev.iotpipeline.schemas.canonical.EnvReading");
    }

    @Test
    void nullStaysNullBothWays() {
        var serde = new ConfluentAvroSerde<>(registry, EnvReading.class);

        assertThat(serde.serializer().serialize("t", null)).isNull();
        assertThat(serde.deserializer().deserialize("t", null)).isNull();
    }

    @Test
    void aPayloadNotInTheWireFormatIsRefusedWithTheReason() {
        var deserializer = new ConfluentAvroDeserializer<>(registry, EnvReading.class);

        assertThatThrownBy(() -> deserializer.deserialize("raw.env-sensor", "{\"id\":1}".getBytes()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("magic byte 123");
        assertThatThrownBy(() -> deserializer.deserialize("raw.env-sensor", new byte[] {0, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void anUnknownSchemaIdIsNamedInTheError() {
        var deserializer = new ConfluentAvroDeserializer<>(registry, EnvReading.class);
        byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(4711).put((byte) 0).array();

        assertThatThrownBy(() -> deserializer.deserialize("t", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 4711")
                .cause().isInstanceOf(UnknownSchemaIdException.class)
                .satisfies(e -> assertThat(((UnknownSchemaIdException) e).schemaId()).isEqualTo(4711));
    }

    @Test
    void withoutAutoRegistrationAnUnregisteredSchemaFails() {
        var serializer = new ConfluentAvroSerializer<EnvReading>(registry);
        serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

        assertThatThrownBy(() -> serializer.serialize("t", reading()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("subject t-value")
                .cause().isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void dataFromANewerCompatibleWriterDecodesIntoTheCurrentClass() throws Exception {
        Schema newer = withExtraField(EnvReading.getClassSchema());
        int id = registry.register("t-value", newer);
        GenericRecord record = new GenericData.Record(newer);
        for (Schema.Field f : EnvReading.getClassSchema().getFields()) {
            record.put(f.name(), GenericData.get().deepCopy(f.schema(), reading().get(f.name())));
        }
        record.put("event_time", reading().getEventTime().toEpochMilli());
        record.put("ingest_time", reading().getIngestTime().toEpochMilli());
        record.put("pressure_hpa", 1013.2);

        EnvReading decoded = new ConfluentAvroDeserializer<>(registry, EnvReading.class).deserialize("t", frame(id, newer, record));

        assertThat(decoded).isEqualTo(reading());
    }

    private static Schema withExtraField(Schema schema) {
        var fields = new java.util.ArrayList<Schema.Field>();
        schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("pressure_hpa", SchemaBuilder.builder().nullable().doubleType(), "newer firmware",
                Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static byte[] frame(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Position position() {
        return Position.newBuilder()
                .setDeviceId("trk-0017")
                .setEventTime(Instant.ofEpochMilli(1763933600123L))
                .setIngestTime(Instant.ofEpochMilli(1763933601000L))
                .setSourceFormat("gps-tracker/v2")
                .setLatitude(35.681236)
                .setLongitude(139.767125)
                .setSpeedMps(3.5)
                .setHeadingDeg(270.0)
                .setAccuracyM(4.2)
                .setMessageId("trk-0017:1763933600123")
                .build();
    }
}
