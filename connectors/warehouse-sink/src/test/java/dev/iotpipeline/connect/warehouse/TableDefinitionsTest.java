package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.sql.SQLException;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class TableDefinitionsTest {

    @Test
    void columnsFollowTheCanonicalSchemaWithTimestamptzAndNullability() {
        assertThat(TableDefinitions.columns(EnvReading.getClassSchema())).containsExactly(
                java.util.Map.entry("device_id", "text"), java.util.Map.entry("event_time", "timestamptz"),
                java.util.Map.entry("ingest_time", "timestamptz"), java.util.Map.entry("source_format", "text"),
                java.util.Map.entry("firmware", "text"), java.util.Map.entry("temperature_c", "double precision"),
                java.util.Map.entry("humidity_pct", "double precision"), java.util.Map.entry("battery_pct", "double precision"),
                java.util.Map.entry("battery_v", "double precision"), java.util.Map.entry("sensor_fault", "boolean"),
                java.util.Map.entry("low_battery", "boolean"), java.util.Map.entry("message_id", "text"));
        String create = TableDefinitions.create("iot", "positions", Position.getClassSchema()).get(1);
        assertThat(create).contains("\"latitude\" double precision NOT NULL", "\"speed_mps\" double precision,",
                "\"event_time\" timestamptz NOT NULL", "UNIQUE (device_id, message_id, event_time)",
                "PARTITION BY RANGE (event_time)");
        assertThat(TableDefinitions.create("iot", "positions", Position.getClassSchema()))
                .anyMatch(s -> s.contains("INDEX") && s.contains("(device_id, event_time)"))
                .anyMatch(s -> s.contains("INDEX") && s.contains("(event_time)"));
    }

    @Test
    void partitionsAreNamedByTheirUtcMonthAndOnlyThoseNamesCountAsMonths() {
        assertThat(MonthlyPartitions.name("env_readings", java.time.YearMonth.of(2026, 3))).isEqualTo("env_readings_y2026m03");
        assertThat(MonthlyPartitions.monthOf("env_readings", "env_readings_y2026m03")).isEqualTo(java.time.YearMonth.of(2026, 3));
        assertThat(MonthlyPartitions.monthOf("env_readings", "env_readings_1m")).isNull();
        assertThat(MonthlyPartitions.monthOf("env_readings", "env_readings_archive_y2026m03")).isNull();
        assertThat(MonthlyPartitions.monthOf("positions", "env_readings_y2026m03")).isNull();
        assertThat(MonthlyPartitions.month(java.time.Instant.parse("2026-02-28T23:59:59.999Z"))).isEqualTo(java.time.YearMonth.of(2026, 2));
    }

    @Test
    void aNewNullableFieldAddsANullableColumnAndNothingElse() {
        Schema evolved = SchemaBuilder.record("R").fields()
                .name("device_id").type().stringType().noDefault()
                .name("pressure_hpa").type().optional().doubleType()
                .endRecord();

        assertThat(TableDefinitions.evolve("iot", "env_readings", evolved, Set.of("device_id")))
                .containsExactly("ALTER TABLE \"iot\".\"env_readings\" ADD COLUMN IF NOT EXISTS \"pressure_hpa\" double precision");
        assertThat(TableDefinitions.evolve("iot", "env_readings", evolved, Set.of("device_id", "pressure_hpa"))).isEmpty();
    }

    @Test
    void connectionLossRestartsAndConflictsAreTransientDataErrorsAreNot() {
        assertThat(DatabaseErrors.isTransient(new SQLException("gone", "08006"))).isTrue();
        assertThat(DatabaseErrors.isTransient(new SQLException("admin shutdown", "57P01"))).isTrue();
        assertThat(DatabaseErrors.isTransient(new SQLException("serialization", "40001"))).isTrue();
        assertThat(DatabaseErrors.isTransient(new SQLException("wrapped", "XX000", new SQLException("io", "08003")))).isTrue();
        assertThat(DatabaseErrors.isTransient(new SQLException("null value in column", "23502"))).isFalse();
        assertThat(DatabaseErrors.isTransient(new SQLException("syntax", "42601"))).isFalse();
    }

    @Test
    void refusedValuesAreDataErrorsAndNeitherOutagesNorMistakesInTheSqlAre() {
        assertThat(DatabaseErrors.isDataError(new SQLException("invalid byte sequence for encoding UTF8: 0x00", "22021"))).isTrue();
        assertThat(DatabaseErrors.isDataError(new SQLException("violates check constraint", "23514"))).isTrue();
        assertThat(DatabaseErrors.isDataError(new SQLException("index row size exceeds btree maximum", "54000"))).isTrue();
        assertThat(DatabaseErrors.isDataError(new SQLException("gone", "08006"))).isFalse();
        assertThat(DatabaseErrors.isDataError(new SQLException("permission denied", "42501"))).isFalse();
        assertThat(DatabaseErrors.isDataError(new SQLException("no state"))).isFalse();
    }
}
