package dev.iotpipeline.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Generates a component's {@code CONFIG.md} from its {@link ConfigDef}, so every key's
 * documentation comes from code, never from a hand-kept table. Each component has a test that
 * calls {@link #verify}: it fails while the committed file is stale and rewrites it when run with
 * {@code -Diot.config.docs.update=true}.
 */
public final class ConfigDocs {

    /** The system property that makes {@link #verify} rewrite a stale file instead of failing. */
    public static final String UPDATE_PROPERTY = "iot.config.docs.update";

    private ConfigDocs() {
    }

    /**
     * @param title the page's heading
     * @param intro what precedes the table (where the settings come from, what passes through)
     */
    public static String markdown(ConfigComponent component, String title, String intro) {
        boolean env = component.envPrefix() != null;
        StringBuilder out = new StringBuilder("# ").append(title).append("\n\n").append(intro.strip()).append("\n\n")
                .append(env ? "| key | environment | type | default | valid values | importance | group | description |\n"
                        + "|---|---|---|---|---|---|---|---|\n"
                        : "| key | type | default | valid values | importance | group | description |\n"
                        + "|---|---|---|---|---|---|---|\n");
        ConfigDef definition = component.definition();
        List<String> groups = definition.groups();
        List<ConfigDef.ConfigKey> keys = definition.configKeys().values().stream()
                .sorted(Comparator.comparingInt((ConfigDef.ConfigKey k) -> groups.indexOf(k.group))
                        .thenComparingInt(k -> k.orderInGroup))
                .toList();
        for (ConfigDef.ConfigKey key : keys) {
            out.append("| `").append(key.name).append("` | ");
            if (env) {
                out.append('`').append(component.envName(key.name)).append("` | ");
            }
            out.append(key.type.name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(defaultText(key))
                    .append(" | ").append(key.validator == null ? "" : cell(key.validator.toString()))
                    .append(" | ").append(key.importance.name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(key.group == null ? "" : key.group)
                    .append(" | ").append(cell(key.documentation)).append(" |\n");
        }
        return out.toString();
    }

    /**
     * Null when {@code file} holds exactly {@code markdown}, else what is wrong (and the file is
     * rewritten when {@link #UPDATE_PROPERTY} is true).
     */
    public static String verify(String markdown, Path file) {
        try {
            String committed = Files.exists(file) ? Files.readString(file) : "";
            if (committed.equals(markdown)) {
                return null;
            }
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.writeString(file, markdown);
                return null;
            }
            return file.toAbsolutePath() + " is stale: regenerate it by running this test with -D" + UPDATE_PROPERTY + "=true";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        if (key.defaultValue == null || key.defaultValue.toString().isEmpty()) {
            return "\"\"";
        }
        return cell(key.type == ConfigDef.Type.LIST
                ? String.join(",", ((List<?>) key.defaultValue).stream().map(String::valueOf).toList())
                : key.defaultValue.toString());
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
