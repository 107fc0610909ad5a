package dev.iotpipeline.streams.convert.descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iotpipeline.streams.convert.InvalidPayloadException;

/**
 * Where a value comes from: a payload location (JSON path, column, byte range) read with its type,
 * or a field read before. Values are {@code String}, {@code BigDecimal}, {@code Long},
 * {@code Boolean} or, for JSON arrays, the array node; null when an optional value is absent.
 */
interface Source {

    Object read(Conversion conversion) throws InvalidPayloadException;

    /** The name reasons carry for this value: the JSON path, or the descriptor's field name. */
    String name();

    /** The value's type as the descriptor wrote it ({@code integer}, {@code uint16}, ...). */
    ValueType type();

    /** Whether the value may be absent (then null). */
    boolean optional();

    /** A field read in the first pass, by slot. */
    record Slot(int slot, String name, ValueType type, boolean optional) implements Source {
        @Override
        public Object read(Conversion conversion) {
            return conversion.values[slot];
        }
    }

    /** An element of a JSON array field read in the first pass, whose type that field's {@code elements} checked. */
    record Element(int slot, int index, String name, ValueType type, boolean optional) implements Source {
        @Override
        public Object read(Conversion conversion) {
            JsonNode array = (JsonNode) conversion.values[slot];
            if (array == null) {
                return null;
            }
            JsonNode value = array.get(index);
            return switch (type) {
                case STRING -> value.textValue();
                case BOOLEAN -> value.booleanValue();
                default -> value.decimalValue();
            };
        }
    }
}
