package dev.iotpipeline.schemas.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The configuration convention every service of the pipeline follows (the Helm chart relies on
 * it): defaults, then a properties file, then environment variables named {@code <PREFIX>} + the
 * key upper-cased with dots and dashes as underscores, then explicit overrides (the launcher's).
 */
public final class LayeredConfig {

    private final String envPrefix;
    private final Map<String, String> values;

    private LayeredConfig(String envPrefix, Map<String, String> values) {
        this.envPrefix = envPrefix;
        this.values = values;
    }

    /**
     * @param component named in errors, e.g. "bridge"
     * @param envPrefix e.g. {@code IOT_BRIDGE_}
     * @param keys the documented keys: their env names map back to them exactly
     * @param file a properties file, or null
     */
    public static LayeredConfig load(String component, String envPrefix, List<ConfigKey> keys, Path file,
                                     Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read the " + component + " configuration " + file + ": " + e.getMessage(), e);
            }
            properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).strip()));
        }
        environment.forEach((name, value) -> {
            if (name.startsWith(envPrefix)) {
                values.put(keyForEnv(envPrefix, keys, name), value);
            }
        });
        values.putAll(overrides);
        return new LayeredConfig(envPrefix, values);
    }

    public static String envName(String envPrefix, String key) {
        return envPrefix + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Known keys map back from their env name; unknown env names become lower-case dotted keys. */
    private static String keyForEnv(String envPrefix, List<ConfigKey> keys, String env) {
        for (ConfigKey key : keys) {
            if (envName(envPrefix, key.name()).equals(env)) {
                return key.name();
            }
        }
        return env.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The value, or the default, or "" for an unset key without default. */
    public String get(ConfigKey key) {
        String value = values.get(key.name());
        return value != null ? value : key.defaultValue() == null ? "" : key.defaultValue();
    }

    /** A required key's value; the error names the key and its environment variable. */
    public String require(ConfigKey key) {
        String value = get(key);
        if (value.isBlank()) {
            throw new IllegalArgumentException("Missing required setting " + key.name() + " (or env " + envName(envPrefix, key.name())
                    + "): " + key.doc());
        }
        return value;
    }

    public long longValue(ConfigKey key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key.name() + " must be a whole number, got '" + get(key) + "'");
        }
    }

    public int intValue(ConfigKey key) {
        long value = longValue(key);
        if (value != (int) value) {
            throw new IllegalArgumentException(key.name() + " is out of range: " + value);
        }
        return (int) value;
    }

    /** Every set value whose key starts with {@code prefix}, with the prefix removed (e.g. {@code kafka.} passthrough). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> selected = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                selected.put(name.substring(prefix.length()), value);
            }
        });
        return selected;
    }
}
