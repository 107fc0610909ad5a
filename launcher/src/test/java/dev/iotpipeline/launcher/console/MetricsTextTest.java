package dev.iotpipeline.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.launcher.console.MetricsText.Sample;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class MetricsTextTest {

    @Test
    void readsSamplesWithLabelsAndSkipsCommentsAndBrokenLines() {
        List<Sample> samples = MetricsText.parse("""
                # HELP iot_bridge_messages_accepted_total Messages
                # TYPE iot_bridge_messages_accepted_total counter
                iot_bridge_messages_accepted_total{device_type="env-sensor",protocol="mqtt"} 4.0
                iot_sink_end_to_end_latency_seconds_bucket{connector="iot-lake-sink",le="+Inf",task="0"} 12
                up 1 1733540000000
                broken{label="never closed 3
                iot_streams_deadletters_total{reason="a \\"quoted\\" \\\\ reason\\nsecond line",stage="convert"} 2.5e1
                not_a_number{} x
                """);

        assertThat(samples).containsExactly(
                new Sample("iot_bridge_messages_accepted_total", Map.of("device_type", "env-sensor", "protocol", "mqtt"), 4.0),
                new Sample("iot_sink_end_to_end_latency_seconds_bucket", Map.of("connector", "iot-lake-sink", "le", "+Inf", "task", "0"), 12),
                new Sample("up", Map.of(), 1),
                new Sample("iot_streams_deadletters_total", Map.of("reason", "a \"quoted\" \\ reason\nsecond line", "stage", "convert"), 25));
    }

    /** The text comes from other processes: whatever it holds, parsing ends with samples, never an exception. */
    @Property(tries = 500)
    void anyTextParsesWithoutFailing(@ForAll String text) {
        assertThat(MetricsText.parse(text)).allSatisfy(sample -> assertThat(sample.name()).isNotEmpty());
    }

    /** What Prometheus's own writer produces, whatever the label values, reads back as written. */
    @Property(tries = 300)
    void readsBackWhatThePrometheusWriterWrites(@ForAll("labelValues") String reason, @ForAll("counts") double value) throws Exception {
        MetricSnapshots snapshots = MetricSnapshots.of(CounterSnapshot.builder().name("iot_sink_dead_lettered_readings_by_reason")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value)
                        .labels(Labels.of("connector", "iot-warehouse-sink", "reason", reason)).build()).build());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, snapshots);

        List<Sample> samples = MetricsText.parse(out.toString(StandardCharsets.UTF_8));

        assertThat(samples).filteredOn(s -> s.name().equals("iot_sink_dead_lettered_readings_by_reason_total"))
                .containsExactly(new Sample("iot_sink_dead_lettered_readings_by_reason_total",
                        Map.of("connector", "iot-warehouse-sink", "reason", reason), value));
    }

    @Provide
    Arbitrary<String> labelValues() {
        return Arbitraries.strings().withChars("ab \"\\\n{}=,#é").ofMaxLength(20);
    }

    @Provide
    Arbitrary<Double> counts() {
        return Arbitraries.doubles().between(0, 1e12).ofScale(3);
    }
}
