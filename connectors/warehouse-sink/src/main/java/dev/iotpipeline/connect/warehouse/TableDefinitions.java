package dev.iotpipeline.connect.warehouse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Warehouse tables derived from the canonical Avro schema: one column per field with the same
 * snake_case name, {@code timestamptz} for timestamps, NOT NULL exactly where Avro is not nullable,
 * partitioned by month of {@code event_time}, unique per ({@code device_id}, {@code message_id},
 * {@code event_time}), and indexes for time-range queries.
 */
public final class TableDefinitions {

    private TableDefinitions() {
    }

    /** Column name to SQL type, in field order. */
    public static Map<String, String> columns(Schema record) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (Schema.Field field : record.getFields()) {
            columns.put(field.name(), sqlType(field));
        }
        return columns;
    }

    /** Statements that create the schema, table and indexes if they do not exist. */
    public static List<String> create(String dbSchema, String table, Schema record) {
        List<String> statements = new ArrayList<>();
        statements.add("CREATE SCHEMA IF NOT EXISTS " + quote(dbSchema));
        statements.add(createTable(dbSchema, table, record));
        statements.addAll(indexes(dbSchema, table));
        return statements;
    }

    /**
     * The table, partitioned by range of {@code event_time} ({@link MonthlyPartitions} adds the
     * months). PostgreSQL's unique keys on a partitioned table include the partition key, so a
     * reading is unique per (device_id, message_id, event_time): a reading delivered twice carries
     * the same event time, and message ids without a device's own id are derived from it.
     */
    static String createTable(String dbSchema, String table, Schema record) {
        List<String> columns = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            columns.add(quote(field.name()) + " " + sqlType(field) + (isNullable(field.schema()) ? "" : " NOT NULL"));
        }
        return "CREATE TABLE IF NOT EXISTS " + quote(dbSchema) + "." + quote(table) + " (" + String.join(", ", columns)
                + ", UNIQUE (device_id, message_id, event_time)) PARTITION BY RANGE (event_time)";
    }

    static List<String> indexes(String dbSchema, String table) {
        String qualified = quote(dbSchema) + "." + quote(table);
        return List.of(
                "CREATE INDEX IF NOT EXISTS " + quote(table + "_event_time") + " ON " + qualified + " (event_time)",
                "CREATE INDEX IF NOT EXISTS " + quote(table + "_device_event_time") + " ON " + qualified
                        + " (device_id, event_time)");
    }

    /**
     * Statements that add the columns of fields the table does not have yet. Only nullable fields
     * can appear in a compatible schema change, so the new columns are nullable and old rows get null.
     */
    public static List<String> evolve(String dbSchema, String table, Schema record, java.util.Set<String> existing) {
        List<String> statements = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            if (!existing.contains(field.name())) {
                statements.add("ALTER TABLE " + quote(dbSchema) + "." + quote(table) + " ADD COLUMN IF NOT EXISTS "
                        + quote(field.name()) + " " + sqlType(field));
            }
        }
        return statements;
    }

    /** The ledger of loaded batches. */
    public static List<String> ledger(String dbSchema, String ledgerTable) {
        return List.of("CREATE SCHEMA IF NOT EXISTS " + quote(dbSchema),
                "CREATE TABLE IF NOT EXISTS " + quote(dbSchema) + "." + quote(ledgerTable) + " ("
                        + "batch_id text PRIMARY KEY, family text NOT NULL, source_topic text NOT NULL, "
                        + "source_partition integer NOT NULL, first_offset bigint NOT NULL, last_offset bigint NOT NULL, "
                        + "record_count integer NOT NULL, rows_inserted integer NOT NULL, "
                        + "loaded_at timestamptz NOT NULL DEFAULT now(), rows_refused integer NOT NULL DEFAULT 0)",
                // Ledgers created before readings could be refused one by one.
                "ALTER TABLE " + quote(dbSchema) + "." + quote(ledgerTable)
                        + " ADD COLUMN IF NOT EXISTS rows_refused integer NOT NULL DEFAULT 0");
    }

    static String sqlType(Schema.Field field) {
        Schema schema = nonNull(field.schema());
        if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                || schema.getLogicalType() instanceof LogicalTypes.TimestampMicros) {
            return "timestamptz";
        }
        return switch (schema.getType()) {
            case STRING, ENUM -> "text";
            case INT -> "integer";
            case LONG -> "bigint";
            case FLOAT -> "real";
            case DOUBLE -> "double precision";
            case BOOLEAN -> "boolean";
            case BYTES, FIXED -> "bytea";
            default -> throw new IllegalArgumentException("Field " + field.name() + " has type " + schema.getType()
                    + ", which the warehouse does not map to a column");
        };
    }

    static boolean isNullable(Schema schema) {
        return schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    }

    /** Quotes an identifier for PostgreSQL. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
