package dev.iotpipeline.bridge.ingest.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicRouterTest {

    private final TopicRouter defaults = TopicRouter.load(null);

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "dt/env-sensor/env-0001/v2,  env-0001, env-sensor,  v2, iot.raw.env-sensor",
        "dt/env-sensor/env-0001/v3,  env-0001, env-sensor,  v3, iot.raw.env-sensor",
        "sensors/env-0001/data,      env-0001, env-sensor,  v1, iot.raw.env-sensor",
        "dt/gps-tracker/trk-0017/v1, trk-0017, gps-tracker, v1, iot.raw.gps-tracker",
        "dt/gps-tracker/trk-0017/v2, trk-0017, gps-tracker, v2, iot.raw.gps-tracker",
    })
    void theDefaultRulesCoverEveryTopicOfTheContract(String topic, String device, String type, String version, String kafkaTopic) {
        assertThat(defaults.route(topic)).contains(new Route(device, type, version, kafkaTopic));
    }

    @ParameterizedTest
    @CsvSource({"dt/env-sensor/env-0001", "dt/env-sensor/env-0001/v2/extra", "dt//env-0001/v2", "sensors/env-0001/other",
        "other/env-0001/data", "dt/env-sensor//v2"})
    void topicsOutsideTheRulesDoNotRoute(String topic) {
        assertThat(defaults.route(topic)).isEmpty();
    }

    /** A rule added to the file takes effect without a restart; a broken file leaves the last good rules. */
    @Test
    void aRulesFileIsFollowedAsItChangesAndABrokenVersionKeepsTheLastGoodRules(@TempDir Path dir) throws Exception {
        String v1Rule = "{\"pattern\": \"sensors/{deviceId}/data\", \"deviceType\": \"env-sensor\", \"version\": \"v1\","
                + " \"kafkaTopic\": \"iot.raw.env-sensor\"}";
        String v4Rule = "{\"pattern\": \"legacy4/{deviceId}\", \"deviceType\": \"env-sensor\", \"version\": \"v4\","
                + " \"kafkaTopic\": \"iot.raw.env-sensor\"}";
        Path file = dir.resolve("rules.json");
        Files.writeString(file, "{\"rules\": [" + v1Rule + "]}");
        TopicRouter router = TopicRouter.load(file);
        long generation = router.generation();
        assertThat(router.route("legacy4/env-0001")).isEmpty();

        Files.writeString(file, "{\"rules\": [" + v1Rule + ", " + v4Rule + "]}");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(2)));
        // The file is looked at once a second at most.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(router.route("legacy4/env-0001")).contains(new Route("env-0001", "env-sensor", "v4", "iot.raw.env-sensor")));
        assertThat(router.generation()).isEqualTo(generation + 1);

        Files.writeString(file, "{\"rules\": [" + v1Rule + ",");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(4)));
        Thread.sleep(1_100); // past the next look at the file: the broken version has been read and refused by now
        assertThat(router.route("legacy4/env-0001")).as("the last good rules stay").isPresent();
        assertThat(router.route("sensors/env-0001/data")).isPresent();
        assertThat(router.generation()).isEqualTo(generation + 1);
    }

    @Test
    void rulesComeFromAFileTriedInOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.json");
        Files.writeString(file, """
                {"rules":[
                  {"pattern":"legacy/{deviceId}","deviceType":"env-sensor","version":"v1","kafkaTopic":"iot.raw.legacy"},
                  {"pattern":"{site}/{deviceType}/{deviceId}","deviceType":"{deviceType}","version":"v2","kafkaTopic":"raw.{site}.{deviceType}"}
                ]}""");
        TopicRouter router = TopicRouter.load(file);
        assertThat(router.route("legacy/env-9")).contains(new Route("env-9", "env-sensor", "v1", "iot.raw.legacy"));
        assertThat(router.route("tokyo/gps-tracker/trk-1")).contains(new Route("trk-1", "gps-tracker", "v2", "raw.tokyo.gps-tracker"));
        assertThat(router.route("dt/env-sensor/env-9/v2")).isEqualTo(Optional.empty());
    }

    @Test
    void aRuleMustCaptureTheDeviceId() {
        assertThatThrownBy(() -> new TopicMappingRule("dt/{deviceType}/x", "{deviceType}", "v1", "t"))
                .hasMessageContaining("{deviceId}");
    }
}
