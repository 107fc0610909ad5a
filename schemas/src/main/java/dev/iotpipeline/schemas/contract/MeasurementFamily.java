package dev.iotpipeline.schemas.contract;

import java.util.Arrays;
import java.util.Optional;

/**
 * A measurement family: one canonical record type with its topics, warehouse table and lake
 * directory. The names are part of the product contract ({@code device-formats.md}).
 */
public enum MeasurementFamily {
    ENV_READING("env_reading", "env_readings"),
    POSITION("position", "positions");

    private final String familyName;
    private final String plural;

    MeasurementFamily(String familyName, String plural) {
        this.familyName = familyName;
        this.plural = plural;
    }

    /** The family name carried in batch envelopes, e.g. {@code env_reading}. */
    public String familyName() {
        return familyName;
    }

    /** Per-record canonical topic, e.g. {@code iot.canonical.env_reading}. */
    public String canonicalTopic() {
        return "iot.canonical." + familyName;
    }

    /** Micro-batch topic the sinks read, e.g. {@code iot.batch.env_reading}. */
    public String batchTopic() {
        return "iot.batch." + familyName;
    }

    /** Warehouse table without schema, e.g. {@code env_readings} (in schema {@code iot}). */
    public String tableName() {
        return plural;
    }

    /** Lake directory under the lake root, e.g. {@code env_readings}. */
    public String lakeDirectory() {
        return plural;
    }

    public static Optional<MeasurementFamily> byName(String familyName) {
        return Arrays.stream(values()).filter(f -> f.familyName.equals(familyName)).findFirst();
    }
}
