package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.Reasons;
import java.math.BigDecimal;

/**
 * A column of a delimited text payload, stripped of surrounding whitespace. Text that is not a
 * number where one is expected, or a number longer than {@code max-number-chars}, is
 * {@code malformed-text}; an optional column the line does not have is absent (null).
 */
final class ColumnSource implements Source {

    private final String name;
    private final int index;
    private final ValueType type;
    private final boolean optional;
    private final int maxNumberChars;
    /** Epoch times must be whole and not negative, and one beyond a long is out of range, not malformed. */
    private final boolean epoch;

    ColumnSource(String name, int index, ValueType type, boolean optional, int maxNumberChars, boolean epoch) {
        this.name = name;
        this.index = index;
        this.type = type;
        this.optional = optional;
        this.maxNumberChars = maxNumberChars;
        this.epoch = epoch;
    }

    @Override
    public Object read(Conversion conversion) throws InvalidPayloadException {
        String[] columns = conversion.columns;
        if (index >= columns.length) {
            if (optional) {
                return null;
            }
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + ": the line has no column " + index);
        }
        String column = columns[index];
        return switch (type) {
            case STRING -> column.strip();
            case NUMBER -> number(column);
            default -> integer(column);
        };
    }

    private BigDecimal number(String column) throws InvalidPayloadException {
        if (column.length() > maxNumberChars) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + " has " + column.length()
                    + " characters, more than " + maxNumberChars);
        }
        try {
            return new BigDecimal(column.strip());
        } catch (NumberFormatException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + " is not a number: \"" + column + "\"");
        }
    }

    private Long integer(String column) throws InvalidPayloadException {
        BigDecimal number = number(column);
        if (number.scale() > 0 || (epoch && number.signum() < 0)) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + " must be a whole"
                    + (epoch ? ", non-negative" : "") + " number: " + column);
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            if (epoch) {
                throw new InvalidPayloadException(Reasons.outOfRange("event_time"), name + " " + column.strip()
                        + " is beyond any date");
            }
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + " is beyond the 64-bit range: " + column);
        }
    }

    @Override
    public String name() {
        return name;
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
