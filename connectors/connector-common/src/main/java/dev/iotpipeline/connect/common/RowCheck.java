package dev.iotpipeline.connect.common;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Which readings of a batch both sinks store: the one admission rule of the lake and the
 * warehouse, so both hold the same rows. A reading is refused when a text field carries a control
 * character (NUL and the other C0/C1 codes, DEL), when {@code device_id} is not
 * {@code [A-Za-z0-9._-]{1,64}}, when {@code message_id} is empty or longer than
 * {@value #MAX_MESSAGE_ID} characters or {@code firmware} longer than {@value #MAX_FIRMWARE}
 * (the contract in device-formats.md), or when a timestamp lies outside the years 1 to 9999 (no
 * lake partition or warehouse column can hold it). A store with a retention also refuses, as
 * {@value Expiry#REASON}, a reading older than what it keeps ({@link Expiry}). Anything else is for
 * the store to judge.
 */
public final class RowCheck {

    public static final int MAX_DEVICE_ID = 64;
    public static final int MAX_MESSAGE_ID = 128;
    public static final int MAX_FIRMWARE = 64;
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    /** What the rule does to one batch; {@code admitted} keeps batch order. */
    public record Admission(List<GenericRecord> admitted, int[] positions, List<RefusedRow> refused) {
        /** The batch position of the i-th admitted reading. */
        public int position(int i) {
            return positions == null ? i : positions[i];
        }
    }

    private record Fields(int[] texts, String[] textNames, int[] times, String[] timeNames) {
    }

    private static final Map<Schema, Fields> FIELDS = new ConcurrentHashMap<>();

    private RowCheck() {
    }

    public static Admission admit(Batch batch) {
        return admit(batch, null);
    }

    /** @param expiry the store's retention, or null when it keeps everything */
    public static Admission admit(Batch batch, Expiry expiry) {
        Fields fields = FIELDS.computeIfAbsent(batch.readingSchema(), RowCheck::fields);
        List<GenericRecord> readings = batch.readings();
        List<RefusedRow> refused = null;
        for (int i = 0; i < readings.size(); i++) {
            RefusedRow problem = check(readings.get(i), i, fields);
            if (problem == null && expiry != null) {
                problem = expired(readings.get(i), i, expiry);
            }
            if (problem != null) {
                if (refused == null) {
                    refused = new ArrayList<>();
                }
                refused.add(problem);
            }
        }
        if (refused == null) {
            return new Admission(readings, null, List.of());
        }
        List<GenericRecord> admitted = new ArrayList<>(readings.size() - refused.size());
        int[] positions = new int[readings.size() - refused.size()];
        int next = 0;
        for (int i = 0, r = 0; i < readings.size(); i++) {
            if (r < refused.size() && refused.get(r).position() == i) {
                r++;
            } else {
                admitted.add(readings.get(i));
                positions[next++] = i;
            }
        }
        return new Admission(admitted, positions, List.copyOf(refused));
    }

    /** Why one reading is refused, or null when it is admitted. */
    static RefusedRow check(GenericRecord reading, int position, Fields fields) {
        for (int f = 0; f < fields.texts().length; f++) {
            Object value = reading.get(fields.texts()[f]);
            if (value == null || value instanceof Utf8 utf8 && fine(utf8, fields.textNames()[f])) {
                continue;
            }
            String[] problem = textProblem(fields.textNames()[f], value.toString());
            if (problem != null) {
                return refused(reading, position, problem[0], problem[1]);
            }
        }
        for (int f = 0; f < fields.times().length; f++) {
            Object value = reading.get(fields.times()[f]);
            if (value instanceof Instant time && (time.isBefore(EARLIEST) || time.isAfter(LATEST))) {
                String field = fields.timeNames()[f];
                return refused(reading, position, "out-of-range:" + field, field + " " + time + " is outside the years 1 to 9999");
            }
        }
        return null;
    }

    private static RefusedRow expired(GenericRecord reading, int position, Expiry expiry) {
        Instant eventTime = Batch.eventTime(reading);
        if (eventTime == null || !expiry.expires(eventTime)) {
            return null;
        }
        return refused(reading, position, Expiry.REASON, "event_time " + eventTime + " is before " + expiry.cutoff()
                + ", the oldest time kept: " + expiry.rule());
    }

    /**
     * Whether UTF-8 text is certainly admitted, read from its bytes without decoding them (the
     * common case); when not certain, {@link #textProblem} decides on the decoded text. A control
     * character is a byte below 0x20, 0x7F, or (C1, U+0080 to U+009F) 0xC2 followed by 0x80 to 0x9F;
     * a text of at most n bytes has at most n characters.
     */
    private static boolean fine(Utf8 text, String field) {
        byte[] bytes = text.getBytes();
        int length = text.getByteLength();
        if (field.equals("device_id")) {
            if (length == 0 || length > MAX_DEVICE_ID) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (!deviceIdChar((char) bytes[i])) { // a byte of a multi-byte character is negative: refused
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < length; i++) {
            int b = bytes[i] & 0xFF;
            if (b < 0x20 || b == 0x7F || b == 0xC2 && i + 1 < length && (bytes[i + 1] & 0xFF) < 0xA0) {
                return false;
            }
        }
        return switch (field) {
            case "message_id" -> length > 0 && length <= MAX_MESSAGE_ID;
            case "firmware" -> length <= MAX_FIRMWARE;
            default -> true;
        };
    }

    /** {reason code, explanation}, or null when the text is fine. */
    private static String[] textProblem(String field, String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return new String[] {"control-character:" + field,
                        String.format("%s contains the control character U+%04X at index %d", field, (int) text.charAt(i), i)};
            }
        }
        return switch (field) {
            case "device_id" -> validDeviceId(text) ? null : new String[] {"bad-device-id",
                    "device_id is not [A-Za-z0-9._-]{1," + MAX_DEVICE_ID + "} (" + text.length() + " characters)"};
            case "message_id" -> text.isEmpty() ? new String[] {"empty:message_id", "message_id is empty"}
                    : tooLong(field, text, MAX_MESSAGE_ID);
            case "firmware" -> tooLong(field, text, MAX_FIRMWARE);
            default -> null;
        };
    }

    private static String[] tooLong(String field, String text, int max) {
        return text.length() <= max ? null : new String[] {"too-long:" + field,
                field + " has " + text.length() + " characters, more than " + max};
    }

    private static boolean validDeviceId(String id) {
        if (id.isEmpty() || id.length() > MAX_DEVICE_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (!deviceIdChar(id.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean deviceIdChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }

    private static RefusedRow refused(GenericRecord reading, int position, String reason, String message) {
        return new RefusedRow(position, Batch.text(reading, "device_id"), Batch.text(reading, "message_id"), reason, message);
    }

    private static Fields fields(Schema reading) {
        List<Schema.Field> texts = new ArrayList<>();
        List<Schema.Field> times = new ArrayList<>();
        for (Schema.Field field : reading.getFields()) {
            Schema type = nonNull(field.schema());
            if (type.getType() == Schema.Type.STRING) {
                texts.add(field);
            } else if (type.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                times.add(field);
            }
        }
        return new Fields(texts.stream().mapToInt(Schema.Field::pos).toArray(), texts.stream().map(Schema.Field::name)
                .toArray(String[]::new), times.stream().mapToInt(Schema.Field::pos).toArray(),
                times.stream().map(Schema.Field::name).toArray(String[]::new));
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElse(schema);
    }
}
