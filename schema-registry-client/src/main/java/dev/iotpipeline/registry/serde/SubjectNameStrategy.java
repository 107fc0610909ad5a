package dev.iotpipeline.registry.serde;

import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/** How a serializer names the registry subject for a topic and record, as Confluent's strategies do. */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic (the default). */
    TOPIC_NAME {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + (isKey ? "-key" : "-value");
        }
    },
    /** The record's full name: one lineage per record type, shared across topics. */
    RECORD_NAME {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return schema.getFullName();
        }
    },
    /** {@code <topic>-<record full name>}: several record types per topic. */
    TOPIC_RECORD_NAME {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + "-" + schema.getFullName();
        }
    };

    public abstract String subject(String topic, boolean isKey, Schema schema);

    /**
     * Accepts {@code topic_name}-style names and Confluent's class names
     * ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}), so configurations
     * written for Confluent's serdes carry over.
     */
    public static SubjectNameStrategy parse(String key, String value) {
        String simple = value.substring(value.lastIndexOf('.') + 1).trim();
        String normalised = simple.replaceAll("(?<=[a-z])(?=[A-Z])", "_").toUpperCase(Locale.ROOT).replace("_STRATEGY", "");
        for (SubjectNameStrategy strategy : values()) {
            if (strategy.name().equals(normalised)) {
                return strategy;
            }
        }
        throw new ConfigException(key, value, "expected TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
    }
}
