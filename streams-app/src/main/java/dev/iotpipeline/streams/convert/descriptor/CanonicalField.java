package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import java.math.BigDecimal;
import java.util.List;

/**
 * The canonical fields a descriptor maps, with their kind, the units a payload may give them in
 * (the first is the canonical one) and the contract's physical limit, which every descriptor gets
 * and none can widen.
 */
enum CanonicalField {
    FIRMWARE(CanonicalModel.ENV_READING, "firmware", Kind.TEXT, null),
    TEMPERATURE_C(CanonicalModel.ENV_READING, "temperature_c", Kind.NUMBER, PhysicalLimits::temperatureC,
            Unit.CELSIUS, Unit.FAHRENHEIT),
    HUMIDITY_PCT(CanonicalModel.ENV_READING, "humidity_pct", Kind.NUMBER, PhysicalLimits::humidityPct,
            Unit.PERCENT, Unit.FRACTION),
    BATTERY_PCT(CanonicalModel.ENV_READING, "battery_pct", Kind.NUMBER, PhysicalLimits::batteryPct,
            Unit.PERCENT, Unit.FRACTION),
    BATTERY_V(CanonicalModel.ENV_READING, "battery_v", Kind.NUMBER, PhysicalLimits::batteryV,
            Unit.VOLTS, Unit.MILLIVOLTS),
    SENSOR_FAULT(CanonicalModel.ENV_READING, "sensor_fault", Kind.BOOLEAN, null),
    LOW_BATTERY(CanonicalModel.ENV_READING, "low_battery", Kind.BOOLEAN, null),
    LATITUDE(CanonicalModel.POSITION, "latitude", Kind.NUMBER, PhysicalLimits::latitude, Unit.DEGREES),
    LONGITUDE(CanonicalModel.POSITION, "longitude", Kind.NUMBER, PhysicalLimits::longitude, Unit.DEGREES),
    SPEED_MPS(CanonicalModel.POSITION, "speed_mps", Kind.NUMBER, PhysicalLimits::speedMps,
            Unit.METRES_PER_SECOND, Unit.KILOMETRES_PER_HOUR),
    HEADING_DEG(CanonicalModel.POSITION, "heading_deg", Kind.NUMBER, PhysicalLimits::headingDeg, Unit.DEGREES),
    ACCURACY_M(CanonicalModel.POSITION, "accuracy_m", Kind.NUMBER, PhysicalLimits::accuracyM, Unit.METRES);

    enum Kind { NUMBER, TEXT, BOOLEAN }

    /** A contract limit: the value as a double, or {@code out-of-range:<field>}. */
    interface Limit {
        double check(BigDecimal value) throws InvalidPayloadException;
    }

    final CanonicalModel model;
    final String key;
    final Kind kind;
    final Limit limit;
    final List<Unit> units;
    final int pos;
    final boolean nullable;

    CanonicalField(CanonicalModel model, String key, Kind kind, Limit limit, Unit... units) {
        this.model = model;
        this.key = key;
        this.kind = kind;
        this.limit = limit;
        this.units = List.of(units);
        this.pos = model.schema.getField(key).pos();
        this.nullable = model.schema.getField(key).schema().isNullable();
    }

    static List<CanonicalField> of(CanonicalModel model) {
        return java.util.Arrays.stream(values()).filter(f -> f.model == model).toList();
    }
}
