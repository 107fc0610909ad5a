package dev.iotpipeline.launcher.console;

import dev.iotpipeline.launcher.console.MetricsText.Sample;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The flow diagram's numbers, read from the pipeline's metrics URL: per stage the readings that
 * passed it so far, their rate over the last seconds, what waits in front of it (consumer lag) and
 * what it dead-lettered. Rates come from the totals of earlier reads kept here.
 */
final class FlowView {

    /** One stage of the flow. {@code rate} and {@code lag} are null when not known yet. */
    record Stage(String id, String title, double total, Double rate, Double lag, double deadLetters, Map<String, Double> more) {
    }

    record Flow(Instant at, List<Stage> stages) {
    }

    private static final Duration RATE_WINDOW = Duration.ofSeconds(15);
    private static final Duration MIN_RATE_SPAN = Duration.ofMillis(900);

    /** Every metric the flow reads. */
    static final List<String> METRICS = List.of("iot_bridge_messages_accepted_total", "iot_bridge_messages_refused_total",
            "iot_bridge_mqtt_connections", "iot_streams_raw_records_total", "kafka_consumer_fetch_manager_records_lag",
            "iot_streams_deadletters_total", "iot_streams_canonical_records_total", "iot_streams_duplicates_total",
            "iot_streams_batches_total", "iot_sink_rows_stored_total", "iot_sink_consumer_records_lag",
            "iot_sink_dead_lettered_readings_total", "iot_sink_batches_total", "iot_sink_files_written_total", "iot_sink_retries_total");

    private final MetricsSource source;
    private final Deque<Totals> history = new ArrayDeque<>();

    private record Totals(long nanos, Map<String, Double> byStage) {
    }

    FlowView(MetricsSource source) {
        this.source = source;
    }

    Flow read() throws IOException, InterruptedException {
        return flow(source.read(METRICS), System.nanoTime());
    }

    /** The stages from one scrape taken at {@code nanos} (System.nanoTime). */
    synchronized Flow flow(List<Sample> samples, long nanos) {
        List<Stage> stages = new ArrayList<>();
        stages.add(new Stage("bridge", "Ingest bridge", sum(samples, "iot_bridge_messages_accepted_total", s -> true), null, null,
                sum(samples, "iot_bridge_messages_refused_total", s -> true),
                ordered("mqtt connections", sum(samples, "iot_bridge_mqtt_connections", s -> true))));
        stages.add(new Stage("streams", "Streams app", sum(samples, "iot_streams_raw_records_total", s -> true), null,
                sum(samples, "kafka_consumer_fetch_manager_records_lag",
                        s -> s.label("client_id").contains("StreamThread") && s.label("topic").startsWith("iot.raw.")),
                sum(samples, "iot_streams_deadletters_total", s -> true),
                ordered("canonical", sum(samples, "iot_streams_canonical_records_total", s -> true),
                        "duplicates dropped", sum(samples, "iot_streams_duplicates_total", s -> true),
                        "batches", sum(samples, "iot_streams_batches_total", s -> true))));
        TreeSet<String> connectors = new TreeSet<>((a, b) -> sinkOrder(a) != sinkOrder(b) ? sinkOrder(a) - sinkOrder(b) : a.compareTo(b));
        samples.stream().filter(s -> s.name().equals("iot_sink_rows_stored_total")).forEach(s -> connectors.add(s.label("connector")));
        for (String connector : connectors) {
            Predicate<Sample> mine = s -> connector.equals(s.label("connector"));
            stages.add(new Stage(connector, title(connector), sum(samples, "iot_sink_rows_stored_total", mine), null,
                    sum(samples, "iot_sink_consumer_records_lag",
                            s -> s.label("client_id").contains(connector) && s.label("topic").startsWith("iot.batch.")),
                    sum(samples, "iot_sink_dead_lettered_readings_total", mine),
                    ordered("batches", sum(samples, "iot_sink_batches_total", mine),
                            "files written", sum(samples, "iot_sink_files_written_total", mine),
                            "retries", sum(samples, "iot_sink_retries_total", mine))));
        }
        return new Flow(Instant.now(), withRates(stages, nanos));
    }

    private List<Stage> withRates(List<Stage> stages, long nanos) {
        Map<String, Double> totals = new LinkedHashMap<>();
        stages.forEach(stage -> totals.put(stage.id(), stage.total()));
        while (!history.isEmpty() && nanos - history.peekFirst().nanos() > RATE_WINDOW.toNanos()) {
            history.removeFirst();
        }
        Totals then = history.peekFirst();
        history.addLast(new Totals(nanos, totals));
        if (then == null || nanos - then.nanos() < MIN_RATE_SPAN.toNanos()) {
            return stages;
        }
        double seconds = (nanos - then.nanos()) / 1e9;
        List<Stage> rated = new ArrayList<>();
        for (Stage stage : stages) {
            Double before = then.byStage().get(stage.id());
            // A total that went down is a restarted component: no rate rather than a negative one.
            Double rate = before == null || stage.total() < before ? null : (stage.total() - before) / seconds;
            rated.add(new Stage(stage.id(), stage.title(), stage.total(), rate, stage.lag(), stage.deadLetters(), stage.more()));
        }
        return rated;
    }

    private static double sum(List<Sample> samples, String name, Predicate<Sample> filter) {
        return samples.stream().filter(s -> s.name().equals(name) && filter.test(s) && Double.isFinite(s.value()))
                .mapToDouble(Sample::value).sum();
    }

    private static Map<String, Double> ordered(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Double) pairs[i + 1]);
        }
        return map;
    }

    private static int sinkOrder(String connector) {
        return connector.contains("warehouse") ? 0 : connector.contains("lake") ? 1 : 2;
    }

    private static String title(String connector) {
        return connector.contains("warehouse") ? "Warehouse sink" : connector.contains("lake") ? "Lake sink" : connector;
    }
}
