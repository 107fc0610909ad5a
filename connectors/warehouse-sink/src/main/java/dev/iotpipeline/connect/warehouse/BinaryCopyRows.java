package dev.iotpipeline.connect.warehouse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.postgresql.copy.CopyIn;

/**
 * Readings in PostgreSQL's binary COPY format, encoded straight into a reused buffer and streamed
 * to the server chunk by chunk, so the server parses while the next chunk is encoded: no text per
 * value (no timestamp or double formatting, no CSV quoting) and no whole-batch string. Binary COPY
 * needs the exact column types, so it is used only when every column has the type the sink would
 * create ({@link #fits}); a column an operator changed falls back to {@link CsvRows}.
 */
final class BinaryCopyRows {

    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since 1970. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    private static final int CHUNK = 64 * 1024;

    private enum Kind { TEXT, TIMESTAMP_MILLIS, TIMESTAMP_MICROS, FLOAT8, FLOAT4, INT4, INT8, BOOL, BYTEA }

    private final Kind[] kinds;
    private final int[] positions;
    private final byte[] buffer = new byte[CHUNK];
    private CopyIn copy;
    private int length;

    BinaryCopyRows(Schema schema) {
        List<Schema.Field> fields = schema.getFields();
        kinds = new Kind[fields.size()];
        positions = new int[fields.size()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = kind(fields.get(i));
            positions[i] = fields.get(i).pos();
        }
    }

    /** Whether every field's column has the type binary COPY encodes for it (udt names, e.g. {@code float8}). */
    static boolean fits(Schema schema, Map<String, String> columnTypes) {
        for (Schema.Field field : schema.getFields()) {
            if (!udtName(TableDefinitions.sqlType(field)).equals(columnTypes.get(field.name()))) {
                return false;
            }
        }
        return true;
    }

    /** Streams the rows into an open {@code COPY ... FROM STDIN (FORMAT binary)} and ends it; the rows copied. */
    long copy(CopyIn target, List<GenericRecord> rows) throws SQLException {
        copy = target;
        length = 0;
        try {
            put(HEADER, 0, HEADER.length);
            for (GenericRecord row : rows) {
                row(row);
            }
            ensure(2);
            putShort(-1);
            flush();
            return target.endCopy();
        } finally {
            copy = null;
            if (target.isActive()) {
                target.cancelCopy();
            }
        }
    }

    private void row(GenericRecord row) throws SQLException {
        ensure(2);
        putShort(kinds.length);
        for (int i = 0; i < kinds.length; i++) {
            Object value = row.get(positions[i]);
            if (value == null) {
                ensure(4);
                putInt(-1);
                continue;
            }
            switch (kinds[i]) {
                case TEXT -> text(value);
                case TIMESTAMP_MILLIS, TIMESTAMP_MICROS -> fixed8(micros(value, kinds[i]) - PG_EPOCH_MICROS);
                case FLOAT8 -> fixed8(Double.doubleToLongBits(((Number) value).doubleValue()));
                case FLOAT4 -> fixed4(Float.floatToIntBits(((Number) value).floatValue()));
                case INT4 -> fixed4(((Number) value).intValue());
                case INT8 -> fixed8(((Number) value).longValue());
                case BOOL -> {
                    ensure(5);
                    putInt(1);
                    buffer[length++] = (byte) ((Boolean) value ? 1 : 0);
                }
                case BYTEA -> bytes(value);
                default -> throw new IllegalStateException("no binary encoding for " + kinds[i]);
            }
        }
    }

    private static long micros(Object value, Kind kind) {
        if (value instanceof Instant instant) {
            return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
        }
        long number = ((Number) value).longValue();
        return kind == Kind.TIMESTAMP_MILLIS ? number * 1_000L : number;
    }

    private void text(Object value) throws SQLException {
        if (value instanceof Utf8 utf8) {
            field(utf8.getBytes(), 0, utf8.getByteLength());
            return;
        }
        String text = value.toString();
        int chars = text.length();
        if (chars <= CHUNK - 4) { // ASCII, the common case: one byte per char, no intermediate array
            ensure(4 + chars);
            int start = length;
            length += 4;
            boolean ascii = true;
            for (int c = 0; c < chars && ascii; c++) {
                char ch = text.charAt(c);
                ascii = ch < 0x80;
                buffer[length++] = (byte) ch;
            }
            if (ascii) {
                putIntAt(start, chars);
                return;
            }
            length = start;
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        field(utf8, 0, utf8.length);
    }

    private void bytes(Object value) throws SQLException {
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            field(bytes, 0, bytes.length);
        } else {
            byte[] bytes = ((GenericFixed) value).bytes();
            field(bytes, 0, bytes.length);
        }
    }

    private void field(byte[] bytes, int offset, int count) throws SQLException {
        ensure(4);
        putInt(count);
        put(bytes, offset, count);
    }

    private void fixed8(long value) throws SQLException {
        ensure(12);
        putInt(8);
        putInt((int) (value >>> 32));
        putInt((int) value);
    }

    private void fixed4(int value) throws SQLException {
        ensure(8);
        putInt(4);
        putInt(value);
    }

    private void put(byte[] bytes, int offset, int count) throws SQLException {
        if (count > buffer.length - length) {
            flush();
            if (count > buffer.length) {
                copy.writeToCopy(bytes, offset, count);
                return;
            }
        }
        System.arraycopy(bytes, offset, buffer, length, count);
        length += count;
    }

    private void ensure(int count) throws SQLException {
        if (count > buffer.length - length) {
            flush();
        }
    }

    private void flush() throws SQLException {
        if (length > 0) {
            copy.writeToCopy(buffer, 0, length);
            length = 0;
        }
    }

    private void putShort(int value) {
        buffer[length++] = (byte) (value >>> 8);
        buffer[length++] = (byte) value;
    }

    private void putInt(int value) {
        putIntAt(length, value);
        length += 4;
    }

    private void putIntAt(int at, int value) {
        buffer[at] = (byte) (value >>> 24);
        buffer[at + 1] = (byte) (value >>> 16);
        buffer[at + 2] = (byte) (value >>> 8);
        buffer[at + 3] = (byte) value;
    }

    private static Kind kind(Schema.Field field) {
        Schema schema = TableDefinitions.nonNull(field.schema());
        if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
            return Kind.TIMESTAMP_MILLIS;
        }
        if (schema.getLogicalType() instanceof LogicalTypes.TimestampMicros) {
            return Kind.TIMESTAMP_MICROS;
        }
        return switch (schema.getType()) {
            case STRING, ENUM -> Kind.TEXT;
            case INT -> Kind.INT4;
            case LONG -> Kind.INT8;
            case FLOAT -> Kind.FLOAT4;
            case DOUBLE -> Kind.FLOAT8;
            case BOOLEAN -> Kind.BOOL;
            case BYTES, FIXED -> Kind.BYTEA;
            default -> throw new IllegalArgumentException("Field " + field.name() + " has type " + schema.getType()
                    + ", which the warehouse does not map to a column");
        };
    }

    private static String udtName(String sqlType) {
        return switch (sqlType) {
            case "integer" -> "int4";
            case "bigint" -> "int8";
            case "real" -> "float4";
            case "double precision" -> "float8";
            case "boolean" -> "bool";
            default -> sqlType; // text, timestamptz, bytea
        };
    }
}
