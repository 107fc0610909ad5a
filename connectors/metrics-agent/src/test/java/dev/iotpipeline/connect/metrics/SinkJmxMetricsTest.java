package dev.iotpipeline.connect.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SinkJmxMetricsTest {

    private MBeanServer server;

    @BeforeEach
    void worker() throws Exception {
        server = MBeanServerFactory.newMBeanServer();
        WorkerShapedMBeans.register(server);
    }

    private String text() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, SinkJmxMetrics.read(server));
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<String> lines(String prefix) throws Exception {
        return text().lines().filter(line -> line.startsWith(prefix)).toList();
    }

    @Test
    void counterAttributesOfEachTaskBecomeCountersLabelledByConnectorAndTask() throws Exception {
        assertThat(lines("iot_sink_rows_stored_total")).containsExactly(
                "iot_sink_rows_stored_total{connector=\"iot-lake-sink\",task=\"0\"} 42.0",
                "iot_sink_rows_stored_total{connector=\"iot-warehouse-sink\",task=\"0\"} 42.0");
        assertThat(lines("iot_sink_dead_lettered_readings_by_reason_total")).containsExactly(
                "iot_sink_dead_lettered_readings_by_reason_total{connector=\"iot-lake-sink\",reason=\"expired\",task=\"0\"} 2.0",
                "iot_sink_dead_lettered_readings_by_reason_total{connector=\"iot-warehouse-sink\",reason=\"expired\",task=\"0\"} 2.0");
        assertThat(text()).as("the connector's own group is not a task's").doesNotContain("ignored");
    }

    @Test
    void bucketCountSumTriplesBecomeHistogramsWithTheirOwnHelp() throws Exception {
        String text = text();
        assertThat(text).contains("# TYPE iot_sink_end_to_end_latency_seconds histogram",
                "# TYPE iot_sink_batch_commit_lag_seconds histogram",
                "# HELP iot_sink_batch_commit_lag_seconds Seconds from a stored batch's newest ingest time to its commit");
        assertThat(lines("iot_sink_end_to_end_latency_seconds_bucket{connector=\"iot-warehouse-sink\"")).containsExactly(
                "iot_sink_end_to_end_latency_seconds_bucket{connector=\"iot-warehouse-sink\",task=\"0\",le=\"0.5\"} 0",
                "iot_sink_end_to_end_latency_seconds_bucket{connector=\"iot-warehouse-sink\",task=\"0\",le=\"1.0\"} 10",
                "iot_sink_end_to_end_latency_seconds_bucket{connector=\"iot-warehouse-sink\",task=\"0\",le=\"2.0\"} 40",
                "iot_sink_end_to_end_latency_seconds_bucket{connector=\"iot-warehouse-sink\",task=\"0\",le=\"5.0\"} 42",
                "iot_sink_end_to_end_latency_seconds_bucket{connector=\"iot-warehouse-sink\",task=\"0\",le=\"+Inf\"} 42");
        assertThat(text).contains("iot_sink_end_to_end_latency_seconds_count{connector=\"iot-warehouse-sink\",task=\"0\"} 42",
                "iot_sink_end_to_end_latency_seconds_sum{connector=\"iot-warehouse-sink\",task=\"0\"} 84.0");
    }

    @Test
    void sinkConsumerLagIsPerPartitionOnceWithoutKafkasUnderscoreCopyOfTopicsWithUnderscores() throws Exception {
        // iot.batch.env_reading has a '_' of its own: its copy iot_batch_env_reading must go all the same.
        assertThat(lines("iot_sink_consumer_records_lag{client_id=\"connector-consumer-iot-warehouse-sink-0\"")).containsExactly(
                "iot_sink_consumer_records_lag{client_id=\"connector-consumer-iot-warehouse-sink-0\",partition=\"0\","
                        + "topic=\"iot.batch.env_reading\"} 5.0",
                "iot_sink_consumer_records_lag{client_id=\"connector-consumer-iot-warehouse-sink-0\",partition=\"0\","
                        + "topic=\"iot.batch.position\"} 5.0",
                "iot_sink_consumer_records_lag{client_id=\"connector-consumer-iot-warehouse-sink-0\",partition=\"1\","
                        + "topic=\"iot.batch.env_reading\"} 6.0",
                "iot_sink_consumer_records_lag{client_id=\"connector-consumer-iot-warehouse-sink-0\",partition=\"1\","
                        + "topic=\"iot.batch.position\"} 6.0");
        assertThat(text()).doesNotContain("iot_batch_").as("only the sinks' consumers").doesNotContain("connect-cluster-configs");
    }

    @Test
    void theWorkersConnectorAndTaskCountsComeAlong() throws Exception {
        String text = text();
        assertThat(text).contains("iot_connect_connectors 2.0", "iot_connect_tasks 2.0", "iot_connect_task_startup_failures_total 1.0",
                "iot_connect_connector_startup_failures_total 0.0",
                "iot_connect_connector_tasks{connector=\"iot-lake-sink\",state=\"failed\"} 1.0",
                "iot_connect_connector_tasks{connector=\"iot-lake-sink\",state=\"running\"} 0.0",
                "iot_connect_connector_tasks{connector=\"iot-warehouse-sink\",state=\"running\"} 1.0");
        assertThat(lines("iot_connect_connector_tasks{")).hasSize(12);
    }

    @Test
    void aJvmWithoutAWorkerHasEmptyFamiliesAndNoWorkerMetrics() throws Exception {
        server = MBeanServerFactory.newMBeanServer();
        String text = text();
        assertThat(text).doesNotContain("iot_connect_").doesNotContain("iot_sink_rows_stored_total{");
    }
}
