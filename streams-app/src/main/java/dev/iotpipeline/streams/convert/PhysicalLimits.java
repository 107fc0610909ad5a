package dev.iotpipeline.streams.convert;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * The physically possible ranges of canonical values ({@code device-formats.md}, "Bad input"),
 * checked after unit conversion, and the rounding applied to converted values.
 */
public final class PhysicalLimits {

    /** An event time further than this after its arrival is refused. */
    public static final Duration MAX_EVENT_TIME_AHEAD = Duration.ofHours(24);

    private static final BigDecimal MIN_TEMPERATURE_C = BigDecimal.valueOf(-80);
    private static final BigDecimal MAX_TEMPERATURE_C = BigDecimal.valueOf(150);
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
    /** Converted values (°F to °C, km/h to m/s) keep this many decimals; the sensors are far coarser. */
    private static final int CONVERTED_SCALE = 4;

    private PhysicalLimits() {
    }

    public static double temperatureC(BigDecimal celsius) throws InvalidPayloadException {
        return within("temperature_c", celsius, MIN_TEMPERATURE_C, MAX_TEMPERATURE_C, "-80..150 °C");
    }

    public static double humidityPct(BigDecimal percent) throws InvalidPayloadException {
        return within("humidity_pct", percent, BigDecimal.ZERO, HUNDRED, "0..100 %");
    }

    public static double batteryPct(BigDecimal percent) throws InvalidPayloadException {
        return within("battery_pct", percent, BigDecimal.ZERO, HUNDRED, "0..100 %");
    }

    public static double batteryV(BigDecimal volts) throws InvalidPayloadException {
        return within("battery_v", volts, BigDecimal.ZERO, HUNDRED, "0..100 V");
    }

    public static double latitude(BigDecimal degrees) throws InvalidPayloadException {
        return within("latitude", degrees, BigDecimal.valueOf(-90), BigDecimal.valueOf(90), "-90..90°");
    }

    public static double longitude(BigDecimal degrees) throws InvalidPayloadException {
        return within("longitude", degrees, BigDecimal.valueOf(-180), BigDecimal.valueOf(180), "-180..180°");
    }

    public static double headingDeg(BigDecimal degrees) throws InvalidPayloadException {
        return within("heading_deg", degrees, BigDecimal.ZERO, BigDecimal.valueOf(360), "0..360°");
    }

    public static double speedMps(BigDecimal metresPerSecond) throws InvalidPayloadException {
        return atLeastZero("speed_mps", metresPerSecond);
    }

    public static double accuracyM(BigDecimal metres) throws InvalidPayloadException {
        return atLeastZero("accuracy_m", metres);
    }

    /** Checks the event time against the arrival time and returns it in epoch milliseconds. */
    public static long eventTime(Instant eventTime, Instant receiveTime) throws InvalidPayloadException {
        if (eventTime.isAfter(receiveTime.plus(MAX_EVENT_TIME_AHEAD))) {
            throw new InvalidPayloadException(Reasons.outOfRange("event_time"), "event_time " + eventTime
                    + " is more than " + MAX_EVENT_TIME_AHEAD.toHours() + " h after its arrival at " + receiveTime);
        }
        return eventTime.toEpochMilli();
    }

    public static BigDecimal fahrenheitToCelsius(BigDecimal fahrenheit) {
        return fahrenheit.subtract(BigDecimal.valueOf(32)).multiply(BigDecimal.valueOf(5))
                .divide(BigDecimal.valueOf(9), CONVERTED_SCALE, RoundingMode.HALF_EVEN);
    }

    public static BigDecimal kmhToMps(BigDecimal kmh) {
        return kmh.divide(new BigDecimal("3.6"), CONVERTED_SCALE, RoundingMode.HALF_EVEN);
    }

    /** Scales a decimal by a power of ten exactly, e.g. tenths of °C to °C. */
    public static BigDecimal scaled(long value, int decimals) {
        return BigDecimal.valueOf(value, decimals).round(MathContext.DECIMAL64);
    }

    private static double within(String field, BigDecimal value, BigDecimal min, BigDecimal max, String allowed)
            throws InvalidPayloadException {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw InvalidPayloadException.outOfRange(field, value.toPlainString(), allowed);
        }
        return value.doubleValue();
    }

    private static double atLeastZero(String field, BigDecimal value) throws InvalidPayloadException {
        if (value.signum() < 0) {
            throw InvalidPayloadException.outOfRange(field, value.toPlainString(), ">= 0");
        }
        return value.doubleValue();
    }
}
