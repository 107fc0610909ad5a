package dev.iotpipeline.connect.warehouse;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/** Readings as PostgreSQL COPY CSV: empty unquoted = NULL, everything else quoted. */
final class CsvRows {

    private CsvRows() {
    }

    static String of(List<GenericRecord> records, Schema schema) {
        StringBuilder csv = new StringBuilder(records.size() * 160);
        List<Schema.Field> fields = schema.getFields();
        for (GenericRecord record : records) {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    csv.append(',');
                }
                Object value = record.get(fields.get(i).pos());
                if (value != null) {
                    csv.append('"').append(text(value, fields.get(i)).replace("\"", "\"\"")).append('"');
                }
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    private static String text(Object value, Schema.Field field) {
        String sqlType = TableDefinitions.sqlType(field);
        if (sqlType.equals("timestamptz")) {
            long millis = value instanceof Instant instant ? instant.toEpochMilli() : (Long) value;
            return Instant.ofEpochMilli(millis).toString();
        }
        if (value instanceof ByteBuffer bytes) {
            StringBuilder hex = new StringBuilder("\\x");
            ByteBuffer copy = bytes.duplicate();
            while (copy.hasRemaining()) {
                hex.append(String.format("%02x", copy.get()));
            }
            return hex.toString();
        }
        return value.toString();
    }
}
