package dev.iotpipeline.streams.convert;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * The physically possible ranges of canonical values ({@code device-formats.md}, "Bad input"),
 * checked after unit conversion, and the rounding applied to converted values.
 *
 * <p>Every number passes {@link #tame} before any arithmetic: a payload can write a number with an
 * exponent of a billion in a dozen bytes, and {@code BigDecimal} would build that power of ten on
 * the first addition or division. Magnitudes of {@value #MAX_MAGNITUDE_EXPONENT} digits or more are
 * out of range for every field; magnitudes below 1e{@value #MIN_MAGNITUDE_EXPONENT} are read as 0.
 */
public final class PhysicalLimits {

    /** An event time further than this after its arrival is refused. */
    public static final Duration MAX_EVENT_TIME_AHEAD = Duration.ofHours(24);
    /** By default an event time before this is refused: the mark of a device whose clock was never set. */
    public static final Instant DEFAULT_EVENT_TIME_FLOOR = Instant.parse("2015-01-01T00:00:00Z");
    private static final Instant LATEST_EPOCH_MILLI = Instant.ofEpochMilli(Long.MAX_VALUE);
    /** Values with this many integer digits or more (|value| &gt;= 1e15) are out of range for every field. */
    static final int MAX_MAGNITUDE_EXPONENT = 15;
    /** Values smaller in magnitude than 1e-30 are read as 0, far below any sensor's resolution. */
    static final int MIN_MAGNITUDE_EXPONENT = -30;

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

    /**
     * Checks the event time against the window [the reading's clock floor, arrival +
     * {@link #MAX_EVENT_TIME_AHEAD}] and returns it in epoch milliseconds. Late readings of any
     * age after the floor are valid.
     */
    public static long eventTime(Instant eventTime, RawReading reading) throws InvalidPayloadException {
        Instant receiveTime = reading.receiveTime();
        Instant latest = latest(receiveTime);
        if (eventTime.isAfter(latest)) {
            throw new InvalidPayloadException(Reasons.outOfRange("event_time"), "event_time " + eventTime
                    + " is more than " + MAX_EVENT_TIME_AHEAD.toHours() + " h after its arrival at " + receiveTime
                    + " (or beyond epoch milliseconds)");
        }
        if (eventTime.isBefore(reading.eventTimeFloor())) {
            throw new InvalidPayloadException(Reasons.outOfRange("event_time"), "event_time " + eventTime
                    + " is before " + reading.eventTimeFloor() + " (a device clock that was never set)");
        }
        return eventTime.toEpochMilli();
    }

    /** {@link #eventTime(Instant, RawReading)} of epoch seconds, checked before an {@code Instant} is made of them. */
    public static long eventTimeOfEpochSeconds(long seconds, RawReading reading) throws InvalidPayloadException {
        if (seconds > latest(reading.receiveTime()).getEpochSecond() + 1
                || seconds < reading.eventTimeFloor().getEpochSecond()) {
            throw new InvalidPayloadException(Reasons.outOfRange("event_time"), "event_time " + seconds
                    + " epoch seconds is outside " + reading.eventTimeFloor() + " .. 24 h after its arrival at "
                    + reading.receiveTime());
        }
        return eventTime(Instant.ofEpochSecond(seconds), reading);
    }

    /** Arrival + 24 h, but never past the last epoch millisecond, so an accepted time always fits a long. */
    private static Instant latest(Instant receiveTime) {
        Instant latest = receiveTime.plus(MAX_EVENT_TIME_AHEAD);
        return latest.isAfter(LATEST_EPOCH_MILLI) ? LATEST_EPOCH_MILLI : latest;
    }

    public static BigDecimal fahrenheitToCelsius(BigDecimal fahrenheit) throws InvalidPayloadException {
        return tame("temperature_c", fahrenheit).subtract(BigDecimal.valueOf(32)).multiply(BigDecimal.valueOf(5))
                .divide(BigDecimal.valueOf(9), CONVERTED_SCALE, RoundingMode.HALF_EVEN);
    }

    public static BigDecimal kmhToMps(BigDecimal kmh) throws InvalidPayloadException {
        return tame("speed_mps", kmh).divide(new BigDecimal("3.6"), CONVERTED_SCALE, RoundingMode.HALF_EVEN);
    }

    /** A fraction 0..1 as percent. */
    public static BigDecimal fractionToPercent(String field, BigDecimal fraction) throws InvalidPayloadException {
        return tame(field, fraction).multiply(HUNDRED);
    }

    /** Scales a decimal by a power of ten exactly, e.g. tenths of °C to °C. */
    public static BigDecimal scaled(long value, int decimals) {
        return BigDecimal.valueOf(value, decimals).round(MathContext.DECIMAL64);
    }

    /**
     * The value, safe for arithmetic: zero for magnitudes below 1e-30 (and for a zero with any
     * exponent), at most 34 significant digits; {@code out-of-range:<field>} for 1e15 or more.
     */
    public static BigDecimal tame(String field, BigDecimal value) throws InvalidPayloadException {
        if (value.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long exponent = (long) value.precision() - value.scale() - 1;
        if (exponent >= MAX_MAGNITUDE_EXPONENT) {
            throw InvalidPayloadException.outOfRange(field, value.round(MathContext.DECIMAL32), "any physical value");
        }
        if (exponent < MIN_MAGNITUDE_EXPONENT) {
            return BigDecimal.ZERO;
        }
        return value.precision() > MathContext.DECIMAL128.getPrecision() ? value.round(MathContext.DECIMAL128) : value;
    }

    private static double within(String field, BigDecimal value, BigDecimal min, BigDecimal max, String allowed)
            throws InvalidPayloadException {
        BigDecimal tamed = tame(field, value);
        if (tamed.compareTo(min) < 0 || tamed.compareTo(max) > 0) {
            throw InvalidPayloadException.outOfRange(field, tamed.toPlainString(), allowed);
        }
        return tamed.doubleValue();
    }

    private static double atLeastZero(String field, BigDecimal value) throws InvalidPayloadException {
        BigDecimal tamed = tame(field, value);
        if (tamed.signum() < 0) {
            throw InvalidPayloadException.outOfRange(field, tamed.toPlainString(), ">= 0");
        }
        return tamed.doubleValue();
    }
}
