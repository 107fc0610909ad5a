package dev.iotpipeline.streams.convert.descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.JsonPayload;
import java.math.BigDecimal;

/**
 * A value at a JSON path ({@code device.id}, {@code position.coordinates[0]}), compiled into its
 * steps once. Absent and JSON null are the same; absent required values are
 * {@code missing-field:<path>}, values of the wrong type {@code invalid-field:<path>}.
 */
final class JsonSource implements Source {

    private final String path;
    /** Per step, the field name, or null where the step is an array index. */
    private final String[] names;
    private final int[] indexes;
    private final ValueType type;
    private final boolean optional;
    private final int minSize;
    private final int maxSize;
    /** For arrays: the types of the leading elements; later elements (up to maxSize) are not read. */
    private final ValueType[] elements;

    JsonSource(String path, String[] names, int[] indexes, ValueType type, boolean optional, int minSize, int maxSize,
            ValueType[] elements) {
        this.path = path;
        this.names = names;
        this.indexes = indexes;
        this.type = type;
        this.optional = optional;
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.elements = elements;
    }

    @Override
    public Object read(Conversion conversion) throws InvalidPayloadException {
        JsonNode node = conversion.json;
        for (int i = 0; i < names.length; i++) {
            node = names[i] != null ? node.path(names[i]) : node.path(indexes[i]);
        }
        if (node.isMissingNode() || node.isNull()) {
            if (optional) {
                return null;
            }
            throw InvalidPayloadException.missing(path);
        }
        return value(node);
    }

    private Object value(JsonNode node) throws InvalidPayloadException {
        switch (type) {
            case STRING -> {
                if (!node.isTextual()) {
                    throw InvalidPayloadException.invalid(path, "expected a string, got " + brief(node));
                }
                return node.textValue();
            }
            case NUMBER -> {
                return number(node);
            }
            case INTEGER -> {
                return JsonPayload.wholeNumber(path, number(node));
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw InvalidPayloadException.invalid(path, "expected true or false, got " + brief(node));
                }
                return node.booleanValue();
            }
            default -> {
                if (!node.isArray() || node.size() < minSize || node.size() > maxSize || !elementsMatch(node)) {
                    throw InvalidPayloadException.invalid(path, "expected an array of " + minSize + ".." + maxSize
                            + " elements, got " + brief(node));
                }
                return node;
            }
        }
    }

    private BigDecimal number(JsonNode node) throws InvalidPayloadException {
        if (!node.isNumber()) {
            throw InvalidPayloadException.invalid(path, "expected a number, got " + brief(node));
        }
        return node.decimalValue();
    }

    private boolean elementsMatch(JsonNode array) {
        for (int i = 0; i < elements.length; i++) {
            JsonNode element = array.get(i);
            boolean matches = switch (elements[i]) {
                case STRING -> element.isTextual();
                case NUMBER, INTEGER -> element.isNumber();
                case BOOLEAN -> element.isBoolean();
                default -> element.isArray();
            };
            if (!matches) {
                return false;
            }
        }
        return true;
    }

    /** A node for a message: a 64 KiB object would make a dead letter's header as large. */
    static String brief(JsonNode node) {
        String text = node.toString();
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    @Override
    public String name() {
        return path;
    }

    @Override
    public ValueType type() {
        return type;
    }

    @Override
    public boolean optional() {
        return optional;
    }
}
