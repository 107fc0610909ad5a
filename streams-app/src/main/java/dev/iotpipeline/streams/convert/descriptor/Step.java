package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.DeviceIds;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.TextFields;
import java.math.BigDecimal;

/** One compiled step of a conversion; steps run in the order the descriptor wrote them. */
interface Step {

    void run(Conversion conversion) throws InvalidPayloadException;

    /** A bit of an integer field, named by the descriptor's {@code bits}. */
    record Flag(int slot, long mask) {
        boolean isSet(Conversion conversion) {
            Object value = conversion.values[slot];
            return value != null && (((Long) value) & mask) != 0;
        }
    }

    /** First pass: reads a field into its slot and applies its checks (device id, expected value, event time). */
    final class ReadField implements Step {
        private final Source source;
        private final int slot;
        private final boolean deviceId;
        private final Object expected;
        private final TimeEncoding eventTime;

        ReadField(Source source, int slot, boolean deviceId, Object expected, TimeEncoding eventTime) {
            this.source = source;
            this.slot = slot;
            this.deviceId = deviceId;
            this.expected = expected;
            this.eventTime = eventTime;
        }

        @Override
        public void run(Conversion conversion) throws InvalidPayloadException {
            Object value = source.read(conversion);
            conversion.values[slot] = value;
            if (value == null) {
                return;
            }
            if (deviceId) {
                DeviceIds.requireSame(conversion.reading.deviceId(), (String) value);
            }
            if (expected != null && !expected.equals(value)) {
                throw InvalidPayloadException.invalid(source.name(), "expected " + expected + ", got " + value);
            }
            if (eventTime != null) {
                conversion.eventTime = eventTime.decode(source.name(), value, conversion.reading);
            }
        }
    }

    /** A unit chosen by a text value in the payload, e.g. {@code "F"} for °F. */
    record UnitChoice(Source source, String[] texts, Unit[] units) {
        Unit read(Conversion conversion) throws InvalidPayloadException {
            String text = (String) source.read(conversion);
            for (int i = 0; i < texts.length; i++) {
                if (texts[i].equals(text)) {
                    return units[i];
                }
            }
            throw InvalidPayloadException.invalid(source.name(), "expected one of \"" + String.join("\", \"", texts)
                    + "\", got \"" + text + "\"");
        }
    }

    /** Second pass: a canonical number, scaled, converted to its unit and checked against its limits. */
    final class CanonicalNumber implements Step {
        private final CanonicalField field;
        private final Source source;
        private final int scale;
        private final Unit unit;
        private final UnitChoice unitChoice;
        private final Flag nullWhen;
        private final double min;
        private final double max;

        CanonicalNumber(CanonicalField field, Source source, int scale, Unit unit, UnitChoice unitChoice, Flag nullWhen,
                double min, double max) {
            this.field = field;
            this.source = source;
            this.scale = scale;
            this.unit = unit;
            this.unitChoice = unitChoice;
            this.nullWhen = nullWhen;
            this.min = min;
            this.max = max;
        }

        @Override
        public void run(Conversion conversion) throws InvalidPayloadException {
            if (nullWhen != null && nullWhen.isSet(conversion)) {
                conversion.record.put(field.pos, null);
                return;
            }
            Object raw = source.read(conversion);
            if (raw == null) {
                conversion.record.put(field.pos, null);
                return;
            }
            Unit in = unitChoice == null ? unit : unitChoice.read(conversion);
            int decimals = scale + in.decimalShift;
            BigDecimal value;
            if (raw instanceof Long whole) {
                value = decimals == 0 ? BigDecimal.valueOf(whole) : PhysicalLimits.scaled(whole, decimals);
            } else {
                value = decimals == 0 ? (BigDecimal) raw : PhysicalLimits.tame(field.key, (BigDecimal) raw).movePointLeft(decimals);
            }
            double canonical = field.limit.check(in.toCanonical(field.key, value));
            if (canonical < min || canonical > max) {
                throw InvalidPayloadException.outOfRange(field.key, canonical, min + ".." + max + " (the descriptor's limits)");
            }
            conversion.record.put(field.pos, canonical);
        }
    }

    /** Second pass: the firmware text, within the contract's text bounds. */
    final class CanonicalText implements Step {
        private final CanonicalField field;
        private final Source source;

        CanonicalText(CanonicalField field, Source source) {
            this.field = field;
            this.source = source;
        }

        @Override
        public void run(Conversion conversion) throws InvalidPayloadException {
            Object text = source.read(conversion);
            conversion.record.put(field.pos, text == null ? null : TextFields.firmware(source.name(), (String) text));
        }
    }

    /** Second pass: a canonical flag from a bit, a boolean value in the payload, or a constant. */
    final class CanonicalBoolean implements Step {
        private final CanonicalField field;
        private final Flag bit;
        private final Source source;
        private final Boolean constant;

        CanonicalBoolean(CanonicalField field, Flag bit, Source source, Boolean constant) {
            this.field = field;
            this.bit = bit;
            this.source = source;
            this.constant = constant;
        }

        @Override
        public void run(Conversion conversion) throws InvalidPayloadException {
            Object value = bit != null ? Boolean.valueOf(bit.isSet(conversion)) : source != null ? source.read(conversion) : constant;
            conversion.record.put(field.pos, value);
        }
    }
}
