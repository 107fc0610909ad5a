package dev.iotpipeline.connect.warehouse;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Readings as PostgreSQL COPY CSV: empty unquoted = NULL, everything else quoted. The fallback of
 * {@link BinaryCopyRows} for a table whose column types an operator changed (text is cast to any type).
 */
final class CsvRows {

    private CsvRows() {
    }

    static String of(List<GenericRecord> records, Schema schema) {
        StringBuilder csv = new StringBuilder(records.size() * 160);
        List<Schema.Field> fields = schema.getFields();
        boolean[] timestamps = new boolean[fields.size()];
        for (int i = 0; i < timestamps.length; i++) {
            timestamps[i] = TableDefinitions.sqlType(fields.get(i)).equals("timestamptz");
        }
        for (GenericRecord record : records) {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    csv.append(',');
                }
                Object value = record.get(fields.get(i).pos());
                if (value != null) {
                    csv.append('"').append(text(value, timestamps[i]).replace("\"", "\"\"")).append('"');
                }
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    private static String text(Object value, boolean timestamp) {
        if (timestamp) {
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
