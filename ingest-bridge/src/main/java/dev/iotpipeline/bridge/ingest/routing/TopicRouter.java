package dev.iotpipeline.bridge.ingest.routing;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The mapping rules, tried in order; the first match wins. */
public final class TopicRouter {

    /** The rules file's shape: {@code {"rules":[{"pattern","deviceType","version","kafkaTopic"}]}}. */
    public record RulesFile(@JsonProperty("rules") List<TopicMappingRule> rules) {
    }

    public static final String DEFAULT_RULES = "/default-mapping-rules.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<TopicMappingRule> rules;

    public TopicRouter(List<TopicMappingRule> rules) {
        if (rules == null || rules.isEmpty() || rules.contains(null)) {
            throw new IllegalArgumentException("The mapping rules must be a non-empty list of rules");
        }
        this.rules = List.copyOf(rules);
    }

    /** The rules from a file, or the bundled defaults when {@code file} is null. */
    public static TopicRouter load(Path file) {
        try (InputStream in = file == null ? TopicRouter.class.getResourceAsStream(DEFAULT_RULES) : Files.newInputStream(file)) {
            return new TopicRouter(JSON.readValue(in, RulesFile.class).rules());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot read the mapping rules " + (file == null ? DEFAULT_RULES : file)
                    + ": " + e.getMessage(), e);
        }
    }

    /** Rules from a rules file's text; a broken one fails with what is wrong. */
    public static TopicRouter parse(String json) {
        try {
            RulesFile file = JSON.readValue(json, RulesFile.class);
            return new TopicRouter(file == null ? null : file.rules());
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the mapping rules: " + e.getMessage(), e);
        }
    }

    public Optional<Route> route(String mqttTopic) {
        for (TopicMappingRule rule : rules) {
            Optional<Route> route = rule.match(mqttTopic);
            if (route.isPresent()) {
                return route;
            }
        }
        return Optional.empty();
    }

    public List<TopicMappingRule> rules() {
        return rules;
    }
}
