package dev.iotpipeline.bridge;

import static dev.iotpipeline.bridge.BridgeHarness.SECRET;
import static dev.iotpipeline.bridge.BridgeHarness.withPayload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Kafka goes away: devices get negative acks or disconnects, never a false acknowledgement; it comes back: everything flows. */
class KafkaOutageIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(3, Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER);
        harness = new BridgeHarness(kafka, dir, Map.of("kafka.delivery.timeout.ms", "4000"));
        harness.provision("env-v3", "env-sensor");
        harness.provision("env-v5", "env-sensor");
        harness.provision("env-http", "env-sensor");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void withKafkaDownNothingIsAcknowledgedAndEverythingAckedIsInKafka() throws Exception {
        List<String> acknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
        MqttClient v3 = harness.v3("env-v3");
        v3.publish("dt/env-sensor/env-v3/v2", "before-outage".getBytes(StandardCharsets.UTF_8), 1, false);
        acknowledged.add("before-outage");
        MqttAsyncClient v5 = harness.v5("env-v5");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> get("/health/ready") == 200);

        kafka.stopBroker();
        try {
            // MQTT 5: a negative PUBACK with a reason code.
            IMqttToken token = v5.publish("dt/env-sensor/env-v5/v2",
                    new MqttMessage("during-outage-v5".getBytes(StandardCharsets.UTF_8), 1, false, null));
            token.waitForCompletion(30_000);
            assertThat(token.getReasonCodes()[0]).isGreaterThanOrEqualTo(0x80);

            // MQTT 3.1.1: no PUBACK, the connection is closed so that the device resends.
            List<String> lost = new java.util.concurrent.CopyOnWriteArrayList<>();
            v3.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    lost.add(cause.toString());
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken delivered) {
                    acknowledged.add("during-outage-v3");
                }
            });
            Thread publisher = new Thread(() -> {
                try {
                    v3.publish("dt/env-sensor/env-v3/v2", "during-outage-v3".getBytes(StandardCharsets.UTF_8), 1, false);
                    acknowledged.add("during-outage-v3 (returned)");
                } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                    lost.add(e.toString());
                }
            });
            publisher.start();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !lost.isEmpty());
            assertThat(acknowledged).containsExactly("before-outage");

            // HTTP: 503 with Retry-After; readiness drops.
            HttpResponse<String> response = post("during-outage-http");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            assertThat(response.body()).contains("kafka-unavailable");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get("/health/ready") == 503);
        } finally {
            kafka.restartBroker();
        }

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> get("/health/ready") == 200);
        MqttClient again = harness.v3("env-v3");
        again.publish("dt/env-sensor/env-v3/v2", "after-outage".getBytes(StandardCharsets.UTF_8), 1, false);
        acknowledged.add("after-outage");
        again.disconnect();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> post("after-outage-http").statusCode() == 200);
        acknowledged.add("after-outage-http");
        var records = harness.read(Topics.RAW_ENV_SENSOR, acknowledged.size(), Duration.ofSeconds(20));
        for (String payload : acknowledged) {
            assertThat(withPayload(records, payload)).as(payload).isNotEmpty();
        }
        v5.disconnectForcibly(1000, 1000, false);
    }

    private static int get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.bridge.managementPort() + path))
                .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<String> post(String payload) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.bridge.httpPort()
                        + "/v1/telemetry/env-sensor/env-http/v2")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + SECRET).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
