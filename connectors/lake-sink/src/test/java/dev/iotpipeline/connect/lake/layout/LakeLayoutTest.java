package dev.iotpipeline.connect.lake.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LakeLayoutTest {

    @Test
    void partitionsByTheUtcHourWhateverTheWorkersZone() {
        // The test JVM runs in America/St_Johns (UTC-03:30): 01:10 UTC is still the previous day there.
        HourPartition partition = HourPartition.of(Instant.parse("2025-11-24T01:10:00Z"));
        assertThat(partition).isEqualTo(new HourPartition(LocalDate.of(2025, 11, 24), 1));
        assertThat(partition.path()).isEqualTo("event_date=2025-11-24/event_hour=01");
        assertThat(HourPartition.of(Instant.parse("2025-11-23T23:59:59.999Z")).path())
                .isEqualTo("event_date=2025-11-23/event_hour=23");
    }

    @Test
    void aBatchSpanningHoursSplitsIntoOnePartPerHourInTimeOrderKeepingBatchOrder() {
        List<Instant> times = List.of(Instant.parse("2025-11-23T22:00:00Z"), Instant.parse("2025-11-23T21:59:59.999Z"),
                Instant.parse("2025-11-23T22:30:00Z"), Instant.parse("2025-11-01T03:00:00Z"));
        Map<HourPartition, List<Instant>> parts = LakeLayout.split(times, t -> t);
        assertThat(parts.keySet()).extracting(HourPartition::path).containsExactly(
                "event_date=2025-11-01/event_hour=03", "event_date=2025-11-23/event_hour=21", "event_date=2025-11-23/event_hour=22");
        assertThat(parts.get(HourPartition.of(times.get(0)))).containsExactly(times.get(0), times.get(2));
    }

    @Test
    void aBatchWithinOneHourIsOnePartAndHoursBeforeTheEpochCountDown() {
        List<Instant> oneHour = List.of(Instant.parse("2025-11-23T22:59:59.999Z"), Instant.parse("2025-11-23T22:00:00Z"));
        assertThat(LakeLayout.split(oneHour, t -> t)).containsOnlyKeys(HourPartition.of(oneHour.get(0)))
                .containsValue(oneHour);

        List<Instant> aroundEpoch = List.of(Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59.999Z"),
                Instant.parse("1969-12-31T22:10:00Z"));
        assertThat(LakeLayout.split(aroundEpoch, t -> t).keySet()).extracting(HourPartition::path).containsExactly(
                "event_date=1969-12-31/event_hour=22", "event_date=1969-12-31/event_hour=23", "event_date=1970-01-01/event_hour=00");
    }

    @Test
    void fileKeysAreDeterministicFromTheBatchIdAndThePartition() {
        HourPartition hour = new HourPartition(LocalDate.of(2025, 11, 23), 7);
        String key = LakeLayout.key(MeasurementFamily.ENV_READING, hour, "env_reading-2-100-199");
        assertThat(key).isEqualTo("env_readings/event_date=2025-11-23/event_hour=07/env_reading-2-100-199_2025-11-23T07.parquet");
        assertThat(LakeLayout.key(MeasurementFamily.ENV_READING, hour, "env_reading-2-100-199")).isEqualTo(key);
        assertThat(LakeLayout.key(MeasurementFamily.POSITION, hour, "position-0-0-9"))
                .startsWith("positions/event_date=2025-11-23/event_hour=07/");
        assertThat(LakeLayout.fileName(hour, "../x y")).isEqualTo(".._x_y_2025-11-23T07.parquet");
        assertThatThrownBy(() -> LakeLayout.fileName(hour, " ")).hasMessageContaining("batch_id");
    }
}
