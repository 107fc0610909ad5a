package dev.iotpipeline.schemas.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The canonical records carry exactly the fields, types and nullability of the device-formats contract. */
class CanonicalSchemaContractTest {

    @Test
    void envReadingHasTheContractFieldsInOrder() {
        assertThat(fieldNames(EnvReading.getClassSchema())).containsExactly(
                "device_id", "event_time", "ingest_time", "source_format", "firmware", "temperature_c",
                "humidity_pct", "battery_pct", "battery_v", "sensor_fault", "low_battery", "message_id");
    }

    @Test
    void positionHasTheContractFieldsInOrder() {
        assertThat(fieldNames(Position.getClassSchema())).containsExactly(
                "device_id", "event_time", "ingest_time", "source_format", "latitude", "longitude",
                "speed_mps", "heading_deg", "accuracy_m", "message_id");
    }

    @ParameterizedTest(name = "env_reading.{0} nullable={1}")
    @CsvSource({
        "device_id,false", "event_time,false", "ingest_time,false", "source_format,false", "firmware,true",
        "temperature_c,true", "humidity_pct,true", "battery_pct,true", "battery_v,true", "sensor_fault,false",
        "low_battery,true", "message_id,false"})
    void envReadingNullability(String field, boolean nullable) {
        assertNullability(EnvReading.getClassSchema().getField(field), nullable);
    }

    @ParameterizedTest(name = "position.{0} nullable={1}")
    @CsvSource({
        "device_id,false", "event_time,false", "ingest_time,false", "source_format,false", "latitude,false",
        "longitude,false", "speed_mps,true", "heading_deg,true", "accuracy_m,true", "message_id,false"})
    void positionNullability(String field, boolean nullable) {
        assertNullability(Position.getClassSchema().getField(field), nullable);
    }

    @Test
    void timesAreMillisecondInstantsAndEveryFieldIsDocumented() {
        for (Schema schema : List.of(EnvReading.getClassSchema(), Position.getClassSchema())) {
            for (String time : List.of("event_time", "ingest_time")) {
                assertThat(schema.getField(time).schema().getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
            }
            assertThat(schema.getFields()).allSatisfy(f -> assertThat(f.doc()).as(f.name()).isNotBlank());
        }
    }

    private static void assertNullability(Schema.Field field, boolean nullable) {
        assertThat(field.schema().isNullable()).as(field.name()).isEqualTo(nullable);
        if (nullable) {
            assertThat(field.schema().getTypes().get(0).getType()).isEqualTo(Schema.Type.NULL);
            assertThat(field.defaultVal()).as("default of " + field.name()).isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
        }
    }

    private static List<String> fieldNames(Schema schema) {
        return schema.getFields().stream().map(Schema.Field::name).toList();
    }
}
