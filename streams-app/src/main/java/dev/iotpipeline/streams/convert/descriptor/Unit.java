package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import java.math.BigDecimal;

/**
 * Units a payload value may be in, each converted to its canonical field's unit with
 * {@link PhysicalLimits}' decimal arithmetic (°F→°C and km/h→m/s rounded half-even to 4 decimals,
 * fractions times 100 exactly, millivolts as a shift of three decimals).
 */
enum Unit {
    CELSIUS("celsius", 0),
    FAHRENHEIT("fahrenheit", 0),
    PERCENT("percent", 0),
    FRACTION("fraction", 0),
    VOLTS("volts", 0),
    MILLIVOLTS("millivolts", 3),
    METRES_PER_SECOND("m/s", 0),
    KILOMETRES_PER_HOUR("km/h", 0),
    DEGREES("degrees", 0),
    METRES("metres", 0);

    final String key;
    /** Decimals the value moves by (mV to V: 3), applied exactly like a scale. */
    final int decimalShift;

    Unit(String key, int decimalShift) {
        this.key = key;
        this.decimalShift = decimalShift;
    }

    /** The value in the canonical unit; {@code field} is the canonical field, for out-of-range reasons. */
    BigDecimal toCanonical(String field, BigDecimal value) throws InvalidPayloadException {
        return switch (this) {
            case FAHRENHEIT -> PhysicalLimits.fahrenheitToCelsius(value);
            case FRACTION -> PhysicalLimits.fractionToPercent(field, value);
            case KILOMETRES_PER_HOUR -> PhysicalLimits.kmhToMps(value);
            default -> value;
        };
    }
}
