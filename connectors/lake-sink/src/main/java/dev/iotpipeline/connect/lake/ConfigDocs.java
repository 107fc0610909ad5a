package dev.iotpipeline.connect.lake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Writes CONFIG.md from the connector's {@link ConfigDef}, so the documentation of every key is
 * generated, never hand-kept: {@code java ... ConfigDocs connectors/lake-sink/CONFIG.md}.
 */
public final class ConfigDocs {

    private ConfigDocs() {
    }

    public static String markdown() {
        StringBuilder out = new StringBuilder("# Lake sink connector configuration\n\n"
                + "Generated from `LakeSinkConfig.CONFIG_DEF` (`ConfigDocsTest` fails when this file is stale).\n"
                + "Standard sink settings (`connector.class`, `tasks.max`, `topics`, `errors.*`, converters) come on top.\n\n"
                + "| key | type | default | valid values | importance | group | description |\n"
                + "|---|---|---|---|---|---|---|\n");
        List<String> groups = LakeSinkConfig.CONFIG_DEF.groups();
        List<ConfigDef.ConfigKey> keys = LakeSinkConfig.CONFIG_DEF.configKeys().values().stream()
                .sorted(Comparator.comparingInt((ConfigDef.ConfigKey k) -> groups.indexOf(k.group))
                        .thenComparingInt(k -> k.orderInGroup))
                .toList();
        for (ConfigDef.ConfigKey key : keys) {
            String defaultValue = !key.hasDefault() ? "(required)"
                    : key.defaultValue == null || key.defaultValue.toString().isEmpty() ? "\"\"" : key.defaultValue.toString();
            out.append("| `").append(key.name).append("` | ").append(key.type.name().toLowerCase())
                    .append(" | ").append(defaultValue)
                    .append(" | ").append(key.validator == null ? "" : key.validator.toString())
                    .append(" | ").append(key.importance.name().toLowerCase())
                    .append(" | ").append(key.group == null ? "" : key.group)
                    .append(" | ").append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }

    public static void main(String[] args) throws IOException {
        Files.writeString(Path.of(args.length > 0 ? args[0] : "CONFIG.md"), markdown());
    }
}
