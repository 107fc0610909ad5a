package dev.iotpipeline.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.testing.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class StreamsAppLifecycleIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    @TempDir
    Path stateDir;

    @Test
    void createsItsTopicsServesHealthAndLeavesItsGroupOnClose() throws Exception {
        Map<String, String> settings = Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "schema.registry.url", KAFKA.registryUrl(), "application.id", "lifecycle",
                "state.dir", stateDir.toString(), "topics.partitions", "2", "http.host", "127.0.0.1", "http.port", "0",
                "topics.retention.ms", "259200000");

        try (StreamsApp app = StreamsApp.start(StreamsAppConfig.of(settings))) {
            app.awaitRunning(Duration.ofSeconds(60));
            assertThat(KAFKA.admin().listTopics().names().get()).contains("iot.raw.env-sensor", "iot.raw.gps-tracker",
                    "iot.canonical.env_reading", "iot.canonical.position", "iot.batch.env_reading", "iot.batch.position",
                    "iot.deadletter");
            var batchTopic = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "iot.batch.env_reading");
            assertThat(KAFKA.admin().describeConfigs(List.of(batchTopic)).all().get().get(batchTopic)
                    .get("max.message.bytes").value()).isEqualTo("8388608");
            for (String topic : List.of("iot.raw.env-sensor", "iot.canonical.position", "iot.batch.env_reading", "iot.deadletter")) {
                var resource = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
                assertThat(KAFKA.admin().describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value())
                        .as(topic).isEqualTo("259200000");
            }
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + app.httpPort();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("kafka_stream");
            assertThat(KAFKA.admin().describeConsumerGroups(List.of("lifecycle")).all().get().get("lifecycle")
                    .members()).hasSize(1);
        }

        // Left the group on close: a restarted instance gets the partitions at once, not after the session timeout.
        assertThat(KAFKA.admin().describeConsumerGroups(List.of("lifecycle")).all().get().get("lifecycle")
                .members()).isEmpty();
    }
}
