package dev.iotpipeline.connect.lake.erase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ErasureRecordTest {

    @Test
    void oneKeyPerDeviceAndTimeAndItsJsonReadsBackTheSame() {
        ErasureRecord record = new ErasureRecord("env-0042", Instant.parse("2026-12-06T23:53:33.250999Z"));

        assertThat(record.erasedAt()).as("ingest_time has milliseconds").isEqualTo(Instant.parse("2026-12-06T23:53:33.250Z"));
        assertThat(record.key()).isEqualTo("_erasures/env-0042_20261206T235333250Z.json");
        assertThat(new String(record.json(), StandardCharsets.UTF_8))
                .isEqualTo("{\"device_id\":\"env-0042\",\"erased_at\":\"2026-12-06T23:53:33.250Z\"}");
        assertThat(ErasureRecord.parse(record.key(), record.json())).isEqualTo(record);
    }

    @Test
    void erasesWhatWasReceivedUpToAndIncludingItsTime() {
        ErasureRecord record = new ErasureRecord("d", Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(record.erases(Instant.parse("2025-12-31T23:59:59.999Z"))).isTrue();
        assertThat(record.erases(Instant.parse("2026-01-01T00:00:00Z"))).isTrue();
        assertThat(record.erases(Instant.parse("2026-01-01T00:00:00.001Z"))).isFalse();
    }

    @Test
    void whatIsNotARecordIsRefusedNotGuessed() {
        for (String json : new String[] {"", "[]", "{\"device_id\":\"d\"}", "{\"device_id\":\"d\",\"erased_at\":\"yesterday\"}",
            "{\"device_id\":\"a/b\",\"erased_at\":\"2026-01-01T00:00:00Z\"}", "{\"device_id\":7,\"erased_at\":\"2026-01-01T00:00:00Z\"}"}) {
            assertThatThrownBy(() -> ErasureRecord.parse("_erasures/x.json", json.getBytes(StandardCharsets.UTF_8))).as(json)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("_erasures/x.json");
        }
    }
}
