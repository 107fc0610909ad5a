package dev.iotpipeline.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.launcher.console.FlowView.Stage;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowViewTest {

    private static final long SECOND = 1_000_000_000L;

    private static String metrics(int accepted, int raw, int warehouseRows, int lakeRows) {
        return """
                iot_bridge_messages_accepted_total{device_type="env-sensor",protocol="mqtt"} %d
                iot_bridge_messages_accepted_total{device_type="gps-tracker",protocol="http"} 1
                iot_streams_raw_records_total{source_format="env-sensor/v1"} %d
                iot_streams_deadletters_total{reason="out-of-range:humidity_pct",stage="convert"} 2
                kafka_consumer_fetch_manager_records_lag{client_id="iot-streams-1-StreamThread-1-consumer",topic="iot.raw.env-sensor",partition="0"} 5
                kafka_consumer_fetch_manager_records_lag{client_id="iot-streams-1-StreamThread-1-consumer",topic="iot.canonical.env_reading",partition="0"} 100
                kafka_consumer_fetch_manager_records_lag{client_id="iot-streams-1-StreamThread-1-consumer",topic="iot_raw_env-sensor",partition="0"} 5
                iot_sink_rows_stored_total{connector="iot-lake-sink",task="0"} %d
                iot_sink_rows_stored_total{connector="iot-warehouse-sink",task="0"} %d
                iot_sink_rows_stored_total{connector="iot-warehouse-sink",task="1"} 10
                iot_sink_consumer_records_lag{client_id="connector-consumer-iot-warehouse-sink-0",topic="iot.batch.env_reading",partition="0"} 3
                iot_sink_consumer_records_lag{client_id="connector-consumer-iot-warehouse-sink-0",topic="iot_batch_env_reading",partition="0"} 3
                iot_sink_consumer_records_lag{client_id="connector-consumer-iot-lake-sink-0",topic="iot.batch.env_reading",partition="0"} 7
                """.formatted(accepted, raw, lakeRows, warehouseRows);
    }

    @Test
    void eachStageSumsItsSeriesAndCountsLagOncePerPartition() {
        FlowView view = new FlowView(MetricsSource.scrape(URI.create("http://127.0.0.1:1/metrics")));

        List<Stage> stages = view.flow(MetricsText.parse(metrics(9, 10, 5, 20)), 0).stages();

        assertThat(stages).extracting(Stage::id).containsExactly("bridge", "streams", "iot-warehouse-sink", "iot-lake-sink");
        assertThat(stages).extracting(Stage::total).containsExactly(10.0, 10.0, 15.0, 20.0);
        // The streams app's lag is what waits on the raw topics; the underscore copies Kafka also reports are not counted twice.
        assertThat(stages).extracting(Stage::lag).containsExactly(null, 5.0, 3.0, 7.0);
        assertThat(stages.get(1).deadLetters()).isEqualTo(2.0);
        assertThat(stages).extracting(Stage::rate).containsOnlyNulls();
    }

    @Test
    void ratesComeFromTheTotalsOfAnEarlierRead() {
        FlowView view = new FlowView(MetricsSource.scrape(URI.create("http://127.0.0.1:1/metrics")));
        view.flow(MetricsText.parse(metrics(9, 10, 5, 20)), 0);
        assertThat(view.flow(MetricsText.parse(metrics(50, 50, 5, 20)), SECOND / 2).stages())
                .as("half a second is too short for a rate").extracting(Stage::rate).containsOnlyNulls();

        List<Stage> stages = view.flow(MetricsText.parse(metrics(109, 110, 105, 10)), 2 * SECOND).stages();

        assertThat(stages).extracting(Stage::rate).containsExactly(50.0, 50.0, 50.0, null); // the lake sink restarted: its total fell
    }
}
