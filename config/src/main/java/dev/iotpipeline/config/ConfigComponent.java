package dev.iotpipeline.config;

import java.util.Locale;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigDef;

/**
 * A component's settings as one {@link ConfigDef}: every key with its type, default, validator,
 * group and documentation. Services also read their keys from environment variables named
 * {@code envPrefix} + the key upper-cased with dots and dashes as underscores (the Helm chart
 * relies on this convention); connectors get theirs from Kafka Connect and have no prefix.
 *
 * @param name named in errors, e.g. "bridge"
 * @param envPrefix e.g. {@code IOT_BRIDGE_}; null for a connector
 * @param definition every key
 */
public record ConfigComponent(String name, String envPrefix, ConfigDef definition) {

    public ConfigComponent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(definition, "definition");
    }

    /** The environment variable of {@code key}, e.g. {@code IOT_BRIDGE_MQTT_PORT}. */
    public String envName(String key) {
        if (envPrefix == null) {
            throw new IllegalStateException(name + " has no environment variables");
        }
        return envPrefix + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** How an error names a key: with its environment variable where the component has them. */
    String describe(String key) {
        return envPrefix == null ? key : key + " (environment " + envName(key) + ")";
    }
}
