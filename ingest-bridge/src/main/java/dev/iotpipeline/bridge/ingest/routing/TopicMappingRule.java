package dev.iotpipeline.bridge.ingest.routing;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One mapping rule: an MQTT topic pattern whose {@code {name}} segments capture values, and what a
 * matching message becomes in Kafka. {@code deviceType}, {@code version} and {@code kafkaTopic} may
 * use the captured values, e.g. {@code iot.raw.{deviceType}}. The pattern must capture
 * {@code deviceId}; a rule for a topic outside the scheme sets {@code deviceType} and
 * {@code version} as literals.
 *
 * @param pattern MQTT topic pattern, e.g. {@code dt/{deviceType}/{deviceId}/{version}}
 * @param deviceType device type, literal or template
 * @param version format version, literal or template
 * @param kafkaTopic raw Kafka topic, literal or template
 */
public record TopicMappingRule(@JsonProperty("pattern") String pattern, @JsonProperty("deviceType") String deviceType,
                               @JsonProperty("version") String version, @JsonProperty("kafkaTopic") String kafkaTopic) {

    public TopicMappingRule {
        if (pattern == null || !pattern.contains("{deviceId}")) {
            throw new IllegalArgumentException("A mapping rule's pattern must capture {deviceId}: " + pattern);
        }
        if (deviceType == null || version == null || kafkaTopic == null) {
            throw new IllegalArgumentException("A mapping rule needs deviceType, version and kafkaTopic: " + pattern);
        }
    }

    /** The route for an MQTT topic, if it matches this rule. */
    public Optional<Route> match(String topic) {
        String[] want = pattern.split("/", -1);
        String[] have = topic.split("/", -1);
        if (want.length != have.length) {
            return Optional.empty();
        }
        Map<String, String> captured = new HashMap<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}")) {
                if (have[i].isEmpty() || have[i].contains("+") || have[i].contains("#")) {
                    return Optional.empty();
                }
                captured.put(want[i].substring(1, want[i].length() - 1), have[i]);
            } else if (!want[i].equals(have[i])) {
                return Optional.empty();
            }
        }
        String type = fill(deviceType, captured);
        captured.putIfAbsent("deviceType", type);
        String formatVersion = fill(version, captured);
        captured.putIfAbsent("version", formatVersion);
        return Optional.of(new Route(captured.get("deviceId"), type, formatVersion, fill(kafkaTopic, captured)));
    }

    private static String fill(String template, Map<String, String> values) {
        String result = template;
        for (var entry : values.entrySet()) {
            result = result.replace("{" + entry.getKey() + "}", entry.getValue());
        }
        return result;
    }
}
