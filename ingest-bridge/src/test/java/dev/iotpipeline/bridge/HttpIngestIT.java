package dev.iotpipeline.bridge;

import static dev.iotpipeline.bridge.BridgeHarness.SECRET;
import static dev.iotpipeline.bridge.BridgeHarness.header;
import static dev.iotpipeline.bridge.BridgeHarness.withPayload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** HTTP ingest, the operations endpoints and the bridge's limits, on the real broker. */
class HttpIngestIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(3, Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER);
        harness = new BridgeHarness(kafka, dir, Map.of("max.payload.bytes", "1024", "max.connections.per.address", "3",
                "max.messages.per.second.per.device", "5"));
        for (String id : List.of("env-h", "env-basic", "env-rate", "env-conn-1", "env-conn-2", "env-conn-3", "env-conn-4")) {
            harness.provision(id, "env-sensor");
        }
        harness.provision("trk-h", "gps-tracker");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void a200MeansTheRecordIsInKafkaWithTheDocumentedHeaders() throws Exception {
        String payload = "trk-h,1763933600,35.681236,139.767125,12.6," + UUID.randomUUID().hashCode();
        HttpResponse<String> response = post("/v1/telemetry/gps-tracker/trk-h/v1", "text/plain", payload, bearer(SECRET));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("status")).isEqualTo("accepted");
        assertThat(body.getString("topic")).isEqualTo(Topics.RAW_GPS_TRACKER);
        List<ConsumerRecord<String, byte[]>> found = withPayload(harness.read(Topics.RAW_GPS_TRACKER, 1, Duration.ofSeconds(2)), payload);
        assertThat(found).hasSize(1);
        ConsumerRecord<String, byte[]> record = found.get(0);
        assertThat(record.partition()).isEqualTo(body.getInteger("partition"));
        assertThat(record.offset()).isEqualTo(body.getLong("offset"));
        assertThat(record.key()).isEqualTo("trk-h");
        assertThat(header(record, TelemetryHeaders.PROTOCOL)).isEqualTo("http");
        assertThat(header(record, TelemetryHeaders.FORMAT_VERSION)).isEqualTo("v1");
        assertThat(header(record, TelemetryHeaders.DEVICE_TYPE)).isEqualTo("gps-tracker");
        assertThat(header(record, TelemetryHeaders.CONTENT_TYPE)).isEqualTo("text/plain");
        assertThat(header(record, TelemetryHeaders.MQTT_QOS)).isNull();
    }

    @Test
    void basicAuthWorksToo() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("env-basic:" + SECRET).getBytes(StandardCharsets.UTF_8));
        assertThat(post("/v1/telemetry/env-sensor/env-basic/v2", "application/json", "{\"v\":2}", basic).statusCode()).isEqualTo(200);
    }

    @Test
    void refusalsHaveTheRightStatusAndAJsonReason() throws Exception {
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", "application/json", "{}", null), 401, "not-authenticated");
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", "application/json", "{}", bearer("wrong")), 401, "not-authenticated");
        String basicAsOther = "Basic " + Base64.getEncoder().encodeToString(("env-basic:" + SECRET).getBytes(StandardCharsets.UTF_8));
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", "application/json", "{}", basicAsOther), 403, "not-authorized");
        assertError(post("/v1/telemetry/gps-tracker/env-h/v2", "application/json", "{}", bearer(SECRET)), 403, "not-authorized");
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", "application/json", "x".repeat(2000), bearer(SECRET)), 413,
                "payload-too-large");
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", "image/png", "{}", bearer(SECRET)), 415, "unsupported-media-type");
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", "application/json", "", bearer(SECRET)), 400, "empty-payload");
        // Found by HttpRequestsTest: a Content-Type of only parameters was a 500, a %2F in the path a fifth topic level.
        assertError(post("/v1/telemetry/env-sensor/env-h/v2", ";", "{}", bearer(SECRET)), 415, "unsupported-media-type");
        assertError(post("/v1/telemetry/env-sensor/env-h/v2%2Fextra", "application/json", "{}", bearer(SECRET)), 400,
                "unmatched-topic");
        assertThat(harness.management("/metrics").body()).contains("iot_bridge_messages_refused_total").contains("reason=\"not-authenticated\"")
                .contains("iot_bridge_security_refusals_total");
    }

    @Test
    void aDeviceOverItsRateGets429WithRetryAfter() throws Exception {
        int refused = 0;
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> response = post("/v1/telemetry/env-sensor/env-rate/v2", "application/json", "{}", bearer(SECRET));
            if (response.statusCode() == 429) {
                refused++;
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("rate-limited");
            } else {
                assertThat(response.statusCode()).isEqualTo(200);
            }
        }
        assertThat(refused).isPositive();
    }

    @Test
    void connectionsPastThePerAddressLimitAreRefusedAsServerUnavailable() throws Exception {
        List<MqttClient> open = new java.util.ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            open.add(harness.v3("env-conn-" + i)); // distinct devices: a device's second connection replaces its first
        }
        try {
            harness.v3("env-conn-4");
            throw new AssertionError("a fourth connection from 127.0.0.1 was accepted");
        } catch (MqttException e) {
            assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);
        }
        open.get(0).disconnect();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> harness.v3("env-conn-4").disconnect());
        for (MqttClient client : open.subList(1, 3)) {
            client.disconnect();
        }
    }

    @Test
    void healthAndMetricsAreOnTheManagementListenerAndOpenApiOnTheDevicePort() throws Exception {
        assertThat(harness.management("/health/live").statusCode()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> harness.management("/health/ready").statusCode() == 200);
        for (String path : new String[] {"/metrics", "/health/live", "/health/ready"}) {
            assertThat(get(path).statusCode()).as("the device port does not serve " + path).isEqualTo(404);
        }
        post("/v1/telemetry/env-sensor/env-h/v2", "application/json", "{}", bearer(SECRET));
        String metrics = harness.management("/metrics").body();
        assertThat(metrics).contains("iot_bridge_messages_accepted_total").contains("iot_bridge_ack_latency_seconds_bucket")
                .contains("iot_bridge_inflight_bytes").contains("iot_bridge_mqtt_connections");
        HttpResponse<String> openapi = get("/openapi.yaml");
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(openapi.body()).contains("/v1/telemetry/{deviceType}/{deviceId}/{version}");
    }

    private static void assertError(HttpResponse<String> response, int status, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new JsonObject(response.body()).getString("error")).isEqualTo(reason);
    }

    static String bearer(String secret) {
        return "Bearer " + secret;
    }

    static HttpResponse<String> post(String path, String contentType, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.bridge.httpPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.bridge.httpPort() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
