package dev.iotpipeline.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The sources of a service's settings, later ones winning: the defaults of its
 * {@link ConfigComponent}, a properties file, environment variables with the component's prefix,
 * then explicit overrides (the launcher's).
 */
public final class LayeredConfig {

    private LayeredConfig() {
    }

    /**
     * The raw values from every source, merged.
     *
     * @param file a properties file, or null
     */
    public static Map<String, String> load(ConfigComponent component, Path file, Map<String, String> environment,
                                           Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read the " + component.name() + " configuration " + file + ": "
                        + e.getMessage(), e);
            }
            properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).strip()));
        }
        if (component.envPrefix() != null) {
            environment.forEach((name, value) -> {
                if (name.startsWith(component.envPrefix())) {
                    values.put(keyForEnv(component, name), value);
                }
            });
        }
        values.putAll(overrides);
        return values;
    }

    /** Defined keys map back from their env name; other names become lower-case dotted keys (passthrough). */
    private static String keyForEnv(ConfigComponent component, String env) {
        for (String key : component.definition().names()) {
            if (component.envName(key).equals(env)) {
                return key;
            }
        }
        return env.substring(component.envPrefix().length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }
}
