package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RetentionOptionTest {

    @Test
    void tableDaysPairsRepeatedOrCommaSeparatedReachTheirSinkLaterOnesWin() {
        Map<String, Integer> days = RetentionOption.parse(List.of("env_readings=730, lake=30d", "", "env_readings_1m=0,env_readings=365"));

        assertThat(days).containsExactly(Map.entry("env_readings", 365), Map.entry("lake", 30), Map.entry("env_readings_1m", 0));
        assertThat(RetentionOption.warehouseConfig(days)).containsExactly(Map.entry("retention.env_readings.days", "365"),
                Map.entry("retention.env_readings_1m.days", "0"));
        assertThat(RetentionOption.lakeConfig(days)).containsExactly(Map.entry("retention.days", "30"));
        assertThat(RetentionOption.parse(List.of())).isEmpty();
    }

    /** Whatever an operator types (or an environment variable holds): a parsed map or a clear refusal, nothing else. */
    @Property(tries = 300)
    void anyTextIsParsedOrRefusedWithAMessageNeverAnotherFailure(@ForAll String text,
                                                                 @ForAll("stores") String store, @ForAll int days) {
        for (String value : List.of(text, store + "=" + text, store + "=" + days, text + "," + store + "=" + Math.abs((long) days))) {
            try {
                Map<String, Integer> parsed = RetentionOption.parse(List.of(value));
                assertThat(RetentionOption.stores()).containsAll(parsed.keySet());
                assertThat(parsed.values()).allMatch(d -> d >= 0);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).startsWith("--retention");
            }
        }
    }

    @Provide
    Arbitrary<String> stores() {
        return Arbitraries.of(RetentionOption.stores());
    }

    @Test
    void anUnknownStoreOrANumberThatIsNotWholeDaysIsRefusedNamingWhatIsAllowed() {
        assertThatThrownBy(() -> RetentionOption.parse(List.of("readings=30"))).hasMessageContaining("TABLE one of [env_readings, "
                + "env_readings_1h, env_readings_1m, lake, positions, positions_1h]");
        assertThatThrownBy(() -> RetentionOption.parse(List.of("lake"))).hasMessageContaining("TABLE=DAYS");
        assertThatThrownBy(() -> RetentionOption.parse(List.of("lake=-1"))).hasMessageContaining("0 or more");
        assertThatThrownBy(() -> RetentionOption.parse(List.of("lake=1y"))).hasMessageContaining("whole number of days");
    }
}
