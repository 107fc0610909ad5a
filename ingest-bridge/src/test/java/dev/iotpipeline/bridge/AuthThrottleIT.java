package dev.iotpipeline.bridge;

import static dev.iotpipeline.bridge.BridgeHarness.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Password guessing against a real bridge with real clients: past the allowed failures the
 * guessed device (MQTT 5, HTTP) or the guessing address waits and is refused without a PBKDF2
 * run, while a device whose secret the bridge has verified keeps connecting; after the wait the
 * right secret works again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // one address for all: the address test runs last
class AuthThrottleIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(1, Topics.RAW_ENV_SENSOR);
        harness = new BridgeHarness(kafka, dir, Map.of("auth.failures.per.device", "3", "auth.failures.per.address", "12",
                "auth.failure.max.delay.ms", "2000"));
        for (String id : new String[] {"env-guessed", "env-honest", "env-http", "env-late"}) {
            harness.provision(id, "env-sensor");
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    @Order(1)
    void guessingOneDevicesSecretMakesItWaitWhileVerifiedDevicesConnect() throws Exception {
        harness.v5("env-honest").disconnect(); // verified once: remembered
        for (int i = 0; i < 4; i++) {
            assertThat(v5Refusal("env-guessed", "wrong-" + i)).isEqualTo(0x86); // bad user name or password
        }
        assertThat(v5Refusal("env-guessed", SECRET)).as("waiting: refused without checking").isEqualTo(0x9F);
        assertThat(v5Refusal("env-honest", SECRET)).as("a verified device is not held up").isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> v5Refusal("env-guessed", SECRET) == 0);
        assertThat(metrics()).contains("kind=\"throttled\"").contains("reason=\"auth-throttled\"");
    }

    @Test
    @Order(2)
    void guessingOverHttpGets429WithRetryAfter() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(post("env-http", "wrong-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> throttled = post("env-http", SECRET);
        assertThat(throttled.statusCode()).as(throttled.body()).isEqualTo(429);
        assertThat(new JsonObject(throttled.body()).getString("error")).isEqualTo("auth-throttled");
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
        await().atMost(Duration.ofSeconds(20)).until(() -> post("env-http", SECRET).statusCode() == 200);
    }

    @Test
    @Order(3)
    void anAddressGuessingManyDevicesWaitsForDevicesNotYetVerified() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> v5Refusal("env-honest", SECRET) == 0);
        int refusals = 0;
        for (int i = 0; i < 20 && refusals == 0; i++) {
            if (v5Refusal("nobody-" + i, "x") == 0x9F) {
                refusals++;
            }
        }
        assertThat(refusals).as("the address waits after its allowed failures").isPositive();
        assertThat(v5Refusal("env-late", SECRET)).as("a first-time device from that address waits too").isEqualTo(0x9F);
        assertThat(v5Refusal("env-honest", SECRET)).as("a verified device still connects").isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> v5Refusal("env-late", SECRET) == 0);
    }

    private static int v5Refusal(String id, String secret) {
        try {
            harness.v5(harness.tcp(), id, secret).disconnect();
            return 0;
        } catch (Exception e) {
            return ((MqttException) e).getReasonCode();
        }
    }

    private static HttpResponse<String> post(String id, String secret) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.bridge.httpPort() + "/v1/telemetry/env-sensor/"
                        + id + "/v2")).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret).POST(HttpRequest.BodyPublishers.ofString("{\"t\":1}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String metrics() throws Exception {
        return harness.management("/metrics").body();
    }
}
