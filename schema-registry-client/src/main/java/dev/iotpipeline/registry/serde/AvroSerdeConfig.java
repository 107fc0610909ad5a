package dev.iotpipeline.registry.serde;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Serde settings, with the keys Confluent's Avro serdes use. Besides the registry connection keys
 * of {@link RegistryClientConfig}:
 *
 * <ul>
 *   <li>{@code auto.register.schemas} (default true): register the record's schema on first use.
 *       With false, the schema must already be registered (or see the next key).</li>
 *   <li>{@code use.latest.version} (default false): with auto-registration off, write with the
 *       subject's latest schema id instead of looking up the record's own schema.</li>
 *   <li>{@code key.subject.name.strategy} / {@code value.subject.name.strategy} (default
 *       TopicNameStrategy): see {@link SubjectNameStrategy}.</li>
 *   <li>{@code specific.avro.key.type} / {@code specific.avro.value.type} (default: the class named
 *       by the writer schema): the generated class a deserializer decodes into.</li>
 * </ul>
 */
public record AvroSerdeConfig(boolean autoRegister, boolean useLatestVersion, SubjectNameStrategy subjectNameStrategy,
        Class<?> specificType) {

    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String SPECIFIC_KEY_TYPE = "specific.avro.key.type";
    public static final String SPECIFIC_VALUE_TYPE = "specific.avro.value.type";

    public static AvroSerdeConfig fromMap(Map<String, ?> config, boolean isKey) {
        String strategyKey = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
        Object strategy = config.get(strategyKey);
        String typeKey = isKey ? SPECIFIC_KEY_TYPE : SPECIFIC_VALUE_TYPE;
        return new AvroSerdeConfig(
                bool(config, AUTO_REGISTER_SCHEMAS, true),
                bool(config, USE_LATEST_VERSION, false),
                strategy == null ? SubjectNameStrategy.TOPIC_NAME : SubjectNameStrategy.parse(strategyKey, strategy.toString()),
                specificType(typeKey, config.get(typeKey)));
    }

    private static boolean bool(Map<String, ?> config, String key, boolean defaultValue) {
        Object value = config.get(key);
        if (value == null) {
            return defaultValue;
        }
        String text = value.toString().trim();
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new ConfigException(key, value, "must be true or false");
        }
        return Boolean.parseBoolean(text);
    }

    private static Class<?> specificType(String key, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Class<?> type) {
            return type;
        }
        try {
            return Class.forName(value.toString().trim(), true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(key, value, "class not found on the classpath");
        }
    }
}
