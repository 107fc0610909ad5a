package dev.iotpipeline.bridge.ingest.routing;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping rule: an MQTT topic pattern whose {@code {name}} segments capture values, and what a
 * matching message becomes in Kafka. {@code deviceType}, {@code version} and {@code kafkaTopic} may
 * use the captured values, e.g. {@code iot.raw.{deviceType}}. The pattern must capture
 * {@code deviceId}; a rule for a topic outside the scheme sets {@code deviceType} and
 * {@code version} as literals. A topic whose Kafka topic would not be a legal Kafka topic name
 * (letters, digits, {@code . _ -}, at most 249 characters) does not match: the device is refused
 * at once (unmatched topic) instead of being told to retry a send Kafka can never take.
 *
 * @param pattern MQTT topic pattern, e.g. {@code dt/{deviceType}/{deviceId}/{version}}
 * @param deviceType device type, literal or template
 * @param version format version, literal or template
 * @param kafkaTopic raw Kafka topic, literal or template
 */
public record TopicMappingRule(@JsonProperty("pattern") String pattern, @JsonProperty("deviceType") String deviceType,
                               @JsonProperty("version") String version, @JsonProperty("kafkaTopic") String kafkaTopic) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}/]*)}");
    private static final Pattern KAFKA_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public TopicMappingRule {
        if (pattern == null || !List.of(pattern.split("/", -1)).contains("{deviceId}")) {
            throw new IllegalArgumentException("A mapping rule's pattern must capture {deviceId} as a whole level: " + pattern);
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
        String topicName = fill(kafkaTopic, captured);
        if (type.isEmpty() || formatVersion.isEmpty() || !KAFKA_TOPIC.matcher(topicName).matches()
                || topicName.equals(".") || topicName.equals("..")) {
            return Optional.empty();
        }
        return Optional.of(new Route(captured.get("deviceId"), type, formatVersion, topicName));
    }

    /** One pass over the template: a captured value is data, never read as a placeholder itself. */
    private static String fill(String template, Map<String, String> values) {
        Matcher placeholder = PLACEHOLDER.matcher(template);
        StringBuilder result = new StringBuilder();
        while (placeholder.find()) {
            String value = values.get(placeholder.group(1));
            placeholder.appendReplacement(result, Matcher.quoteReplacement(value == null ? placeholder.group() : value));
        }
        placeholder.appendTail(result);
        return result.toString();
    }
}
