package dev.iotpipeline.bridge.ingest.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any topic a device may publish to, run through the mapping rules: a route whose parts are
 * usable (a legal Kafka topic, a device id that is one level of the topic), or no route (the
 * documented refusal: PUBACK 0x90, HTTP 400 unmatched-topic), never an exception.
 */
class TopicRoutingPropertiesTest {

    private static final int KAFKA_TOPIC_MAX = 249;

    private final TopicRouter defaults = TopicRouter.load(null);
    private final TopicRouter custom = TopicRouter.parse("""
            {"rules":[
              {"pattern":"{site}/{deviceType}/{deviceId}","deviceType":"{deviceType}","version":"v2","kafkaTopic":"raw.{site}.{deviceType}"},
              {"pattern":"legacy/{deviceId}/{version}","deviceType":"env-sensor","version":"{version}","kafkaTopic":"iot.raw.legacy"}
            ]}""");

    @Property(tries = 1000)
    void anyTopicRoutesToUsablePartsOrNowhere(@ForAll("hostileTopics") String topic) {
        for (TopicRouter router : List.of(defaults, custom)) {
            Optional<Route> route = router.route(topic);
            route.ifPresent(r -> {
                assertThat(r.deviceId()).isNotEmpty().doesNotContain("/", "+", "#");
                assertThat(Arrays.asList(topic.split("/", -1))).contains(r.deviceId());
                assertThat(r.deviceType()).isNotEmpty();
                assertThat(r.version()).isNotEmpty();
                assertThat(r.kafkaTopic()).hasSizeLessThanOrEqualTo(KAFKA_TOPIC_MAX).matches("[a-zA-Z0-9._-]+")
                        .isNotIn(".", "..");
            });
        }
    }

    @Example
    void aCapturedValueIsNeverReadAsATemplate() {
        TopicRouter router = TopicRouter.parse("""
                {"rules":[{"pattern":"{site}/{deviceId}","deviceType":"t-{site}","version":"v1","kafkaTopic":"raw.{site}"}]}""");
        // "{deviceId}" as the site is data: the Kafka topic would be raw.{deviceId}, which Kafka refuses.
        assertThat(router.route("{deviceId}/dev-1")).isEmpty();
        assertThat(router.route("tokyo/dev-1")).contains(new Route("dev-1", "t-tokyo", "v1", "raw.tokyo"));
    }

    @Example
    void aTopicWhoseKafkaTopicWouldBeIllegalDoesNotRoute() {
        assertThat(defaults.route("dt/env sensor/env-1/v2")).isEmpty();
        assertThat(defaults.route("dt/" + "x".repeat(300) + "/env-1/v2")).isEmpty();
        assertThat(defaults.route("dt/温度/env-1/v2")).isEmpty();
        assertThat(defaults.route("dt/env-sensor/env-1/v2")).isPresent();
    }

    @Example
    void aPatternMustCaptureTheDeviceIdAsAWholeLevel() {
        assertThatThrownBy(() -> TopicRouter.parse("""
                {"rules":[{"pattern":"dt/dev-{deviceId}","deviceType":"env-sensor","version":"v1","kafkaTopic":"t"}]}"""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{deviceId}");
    }

    @Property(tries = 300)
    void anyRulesFileParsesOrFailsWithAnExplanation(@ForAll("hostileRules") String json) {
        try {
            TopicRouter router = TopicRouter.parse(json);
            assertThat(router.rules()).isNotEmpty();
            router.route("dt/env-sensor/env-1/v2");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> hostileTopics() {
        Arbitrary<String> level = Arbitraries.oneOf(
                Arbitraries.of("", "+", "#", "$SYS", "dt", "sensors", "data", "legacy", "env-sensor", "gps-tracker", "env-0001", "v2",
                        "{deviceId}", "{deviceType}", "{version}", "{site}", "温度", "\u0000", " ", "..", ".", "\uD800", "😀"),
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.integers().between(50, 20_000).map("level"::repeat));
        Arbitrary<String> levels = level.list().ofMinSize(1).ofMaxSize(8).map(l -> String.join("/", l));
        return Combinators.combine(levels, Arbitraries.of("", "/"), Arbitraries.of("", "/"))
                .as((body, lead, trail) -> lead + body + trail);
    }

    @Provide
    Arbitrary<String> hostileRules() {
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.of("\"{deviceId}\"", "\"dt/{deviceId}\"", "\"x-{deviceId}\"", "null",
                "\"{deviceType}\"", "\"\"", "1", "[]", "{}", "\"iot.raw.{deviceType}\"", "\"{nope}\""),
                Arbitraries.strings().ofMaxLength(10).map(s -> "\"" + s.replace("\\", "").replace("\"", "") + "\""));
        Arbitrary<String> rule = Combinators.combine(value, value, value, value)
                .as((p, t, v, k) -> "{\"pattern\":" + p + ",\"deviceType\":" + t + ",\"version\":" + v + ",\"kafkaTopic\":" + k + "}");
        Arbitrary<String> file = rule.list().ofMaxSize(4).map(r -> "{\"rules\":[" + String.join(",", r) + "]}");
        return Arbitraries.oneOf(file, Arbitraries.of("", "{}", "null", "{\"rules\":null}", "{\"rules\":[null]}", "[", "{\"rules\":5}"),
                Arbitraries.strings().ofMaxLength(40));
    }
}
