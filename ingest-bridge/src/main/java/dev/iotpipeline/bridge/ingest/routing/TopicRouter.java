package dev.iotpipeline.bridge.ingest.routing;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mapping rules, tried in order; the first match wins. Rules loaded from a file follow it: at
 * most once a second a route looks at the file's modification time, and a changed file is read
 * again, so a rule for a new topic takes effect without a restart. A file that cannot be read or
 * holds no valid rules leaves the previous rules in force (logged at ERROR once per version of the
 * file).
 */
public final class TopicRouter {

    /** The rules file's shape: {@code {"rules":[{"pattern","deviceType","version","kafkaTopic"}]}}. */
    public record RulesFile(@JsonProperty("rules") List<TopicMappingRule> rules) {
    }

    public static final String DEFAULT_RULES = "/default-mapping-rules.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Logger LOG = LoggerFactory.getLogger(TopicRouter.class);
    private static final long CHECK_INTERVAL_MS = 1_000;

    /** The rules in force and how many times they were replaced. */
    private record Rules(List<TopicMappingRule> list, long generation) {
    }

    private final Path file;
    private volatile Rules rules;
    private volatile long lastCheck;
    private FileTime loadedVersion;
    private FileTime refusedVersion;

    public TopicRouter(List<TopicMappingRule> rules) {
        this(null, checked(rules), null);
    }

    private TopicRouter(Path file, List<TopicMappingRule> rules, FileTime version) {
        this.file = file;
        this.rules = new Rules(rules, 0);
        this.loadedVersion = version;
        this.lastCheck = System.currentTimeMillis();
    }

    /** The rules from a file (followed as it changes), or the bundled defaults when {@code file} is null. */
    public static TopicRouter load(Path file) {
        if (file == null) {
            try (InputStream in = TopicRouter.class.getResourceAsStream(DEFAULT_RULES)) {
                return new TopicRouter(checked(JSON.readValue(in, RulesFile.class).rules()));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("Cannot read the mapping rules " + DEFAULT_RULES + ": " + e.getMessage(), e);
            }
        }
        try {
            FileTime version = Files.getLastModifiedTime(file);
            return new TopicRouter(file, read(file), version);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot read the mapping rules " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<TopicMappingRule> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            RulesFile parsed = JSON.readValue(in, RulesFile.class);
            return checked(parsed == null ? null : parsed.rules());
        }
    }

    private static List<TopicMappingRule> checked(List<TopicMappingRule> rules) {
        if (rules == null || rules.isEmpty() || rules.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("The mapping rules must be a non-empty list of rules");
        }
        return List.copyOf(rules);
    }

    /** How many times the rules were replaced since the start: a cached route is stale when this changed. */
    public long generation() {
        reloadIfChanged();
        return rules.generation();
    }

    private void reloadIfChanged() {
        long now = System.currentTimeMillis();
        if (file == null || now - lastCheck < CHECK_INTERVAL_MS) {
            return;
        }
        synchronized (this) {
            if (now - lastCheck < CHECK_INTERVAL_MS) {
                return;
            }
            lastCheck = now;
            FileTime version = null;
            try {
                version = Files.getLastModifiedTime(file);
                if (version.equals(loadedVersion) || version.equals(refusedVersion)) {
                    return;
                }
                List<TopicMappingRule> next = read(file);
                rules = new Rules(next, rules.generation() + 1);
                loadedVersion = version;
                LOG.info("Mapping rules {} reloaded: {} rules", file, next.size());
            } catch (IOException | IllegalArgumentException e) {
                refusedVersion = version;
                LOG.error("Cannot read the mapping rules {}; keeping the previous {} rules: {}", file, rules.list().size(), e.getMessage());
            }
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
        reloadIfChanged();
        for (TopicMappingRule rule : rules.list()) {
            Optional<Route> route = rule.match(mqttTopic);
            if (route.isPresent()) {
                return route;
            }
        }
        return Optional.empty();
    }

    public List<TopicMappingRule> rules() {
        reloadIfChanged();
        return rules.list();
    }
}
