package dev.iotpipeline.bridge;

import dev.iotpipeline.bridge.ingest.routing.Route;
import dev.iotpipeline.bridge.ingest.routing.TopicRouter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bridge's mapping rules (MQTT topic to raw Kafka topic, device and format version) as the
 * bridge itself parses and applies them, for tools that write or check a rules file (e.g. the
 * Helm chart's tests). The first matching rule wins.
 */
public final class MappingRules {

    /** What a matching topic becomes: the device it names, its type and format version, and the Kafka topic. */
    public record MappedTopic(String deviceId, String deviceType, String version, String kafkaTopic) {
    }

    private final TopicRouter router;

    private MappingRules(TopicRouter router) {
        this.router = router;
    }

    /** Parses a rules file's text ({@code {"rules":[...]}}); fails with IllegalArgumentException saying what is wrong. */
    public static MappingRules parse(String json) {
        return new MappingRules(TopicRouter.parse(json));
    }

    /** The rules of {@code file}, or the bundled defaults when it is null. */
    public static MappingRules load(Path file) {
        return new MappingRules(TopicRouter.load(file));
    }

    public int size() {
        return router.rules().size();
    }

    /** What {@code mqttTopic} maps to, if a rule matches. */
    public Optional<MappedTopic> route(String mqttTopic) {
        return router.route(mqttTopic).map(MappingRules::view);
    }

    private static MappedTopic view(Route route) {
        return new MappedTopic(route.deviceId(), route.deviceType(), route.version(), route.kafkaTopic());
    }
}
