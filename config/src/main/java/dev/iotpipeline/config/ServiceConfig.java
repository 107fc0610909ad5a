package dev.iotpipeline.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * A service's typed settings: every key parsed and validated against its component's
 * {@link ConfigDef} at start, so a bad value stops the service with one message that names the key,
 * its environment variable and what is wrong. Subclasses add typed accessors per concern.
 */
public abstract class ServiceConfig extends AbstractConfig {

    private final ConfigComponent component;

    protected ServiceConfig(ConfigComponent component, Map<String, String> values) {
        super(component.definition(), validated(component, values), false);
        this.component = component;
    }

    public ConfigComponent component() {
        return component;
    }

    /**
     * Every value whose key starts with {@code prefix}, with the prefix removed, as strings (for
     * example the {@code kafka.*} settings a service hands to its Kafka clients).
     */
    public Map<String, String> passthrough(String prefix) {
        Map<String, String> selected = new LinkedHashMap<>();
        originalsWithPrefix(prefix).forEach((name, value) -> selected.put(name, String.valueOf(value)));
        return selected;
    }

    /** Checks every defined key; the first bad one fails with its name, environment variable and reason. */
    static Map<String, String> validated(ConfigComponent component, Map<String, String> values) {
        for (ConfigDef.ConfigKey key : component.definition().configKeys().values()) {
            String raw = values.get(key.name);
            if (!key.hasDefault() && (raw == null || raw.isBlank())) {
                throw new IllegalArgumentException("Missing required " + component.name() + " setting "
                        + component.describe(key.name) + ": " + key.documentation);
            }
            try {
                Object parsed = raw == null ? key.defaultValue : ConfigDef.parseType(key.name, raw.strip(), key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(key.name, parsed);
                }
            } catch (ConfigException e) {
                throw new IllegalArgumentException("Invalid " + component.name() + " setting " + component.describe(key.name)
                        + ": " + e.getMessage(), e);
            }
        }
        return values;
    }
}
