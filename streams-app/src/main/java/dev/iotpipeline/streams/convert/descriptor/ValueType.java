package dev.iotpipeline.streams.convert.descriptor;

import java.util.Arrays;
import java.util.List;

/** The types a descriptor value may have, per payload kind. */
enum ValueType {
    STRING("string", 0, false),
    NUMBER("number", 0, false),
    INTEGER("integer", 0, false),
    BOOLEAN("boolean", 0, false),
    ARRAY("array", 0, false),
    UINT8("uint8", 1, false),
    INT8("int8", 1, true),
    UINT16("uint16", 2, false),
    INT16("int16", 2, true),
    UINT32("uint32", 4, false),
    INT32("int32", 4, true),
    INT64("int64", 8, true);

    static final List<ValueType> JSON = List.of(STRING, NUMBER, INTEGER, BOOLEAN, ARRAY);
    static final List<ValueType> DELIMITED = List.of(STRING, NUMBER, INTEGER);
    static final List<ValueType> BINARY = List.of(UINT8, INT8, UINT16, INT16, UINT32, INT32, INT64);

    final String key;
    /** Bytes, for binary types. */
    final int size;
    final boolean signed;

    ValueType(String key, int size, boolean signed) {
        this.key = key;
        this.size = size;
        this.signed = signed;
    }

    /** Whole numbers, read as {@code Long}. */
    boolean isInteger() {
        return this == INTEGER || size > 0;
    }

    boolean isNumeric() {
        return this == NUMBER || isInteger();
    }

    static ValueType of(DescriptorNode node, List<ValueType> allowed, String payloadKind) {
        String key = node.text();
        for (ValueType type : allowed) {
            if (type.key.equals(key)) {
                return type;
            }
        }
        throw node.fail("unknown type \"" + key + "\" for a " + payloadKind + " payload (expected one of "
                + String.join(", ", allowed.stream().map(t -> t.key).toList()) + ")");
    }

    static List<String> keys(ValueType... types) {
        return Arrays.stream(types).map(t -> t.key).toList();
    }
}
