package dev.iotpipeline.streams.convert.env;

import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.DeviceTypes;
import dev.iotpipeline.streams.convert.DeviceIds;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.IsoOffsetTimes;
import dev.iotpipeline.streams.convert.JsonPayload;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.TextFields;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * env-sensor v2, firmware 2.x: nested JSON with an ISO-8601 time (any offset), temperature in °C
 * or °F, humidity as a fraction, optional battery voltage and message id. Unknown fields are
 * ignored, as newer firmware adds fields.
 */
public final class EnvSensorV2JsonConverter implements FormatConverter {

    /** Longer than any ISO-8601 time with nanoseconds, a nine-digit year and an offset. */
    private static final int MAX_TIME_CHARS = 64;

    @Override
    public String deviceType() {
        return DeviceTypes.ENV_SENSOR;
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public EnvReading convert(RawReading reading) throws InvalidPayloadException {
        JsonPayload json = JsonPayload.parse(reading.payload());
        Optional<Long> formatVersion = json.optionalInteger("v");
        if (formatVersion.isPresent() && formatVersion.get() != 2) {
            throw InvalidPayloadException.invalid("v", "a v2 payload says it is version " + formatVersion.get());
        }
        DeviceIds.requireSame(reading.deviceId(), json.requiredText("device.id"));
        long eventTime = PhysicalLimits.eventTime(parseTime(json.requiredText("time")), reading);
        Optional<BigDecimal> voltage = json.optionalNumber("battery.voltage");
        Optional<String> firmware = json.optionalText("device.fw");
        Optional<String> messageId = json.optionalText("msgId");
        return EnvReading.newBuilder()
                .setDeviceId(reading.deviceId())
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setIngestTime(reading.receiveTime())
                .setSourceFormat(sourceFormat())
                .setFirmware(firmware.isPresent() ? TextFields.firmware("device.fw", firmware.get()) : null)
                .setTemperatureC(PhysicalLimits.temperatureC(celsius(json)))
                .setHumidityPct(PhysicalLimits.humidityPct(
                        PhysicalLimits.fractionToPercent("humidity_pct", json.requiredNumber("readings.humidity"))))
                .setBatteryPct(null)
                .setBatteryV(voltage.isPresent() ? PhysicalLimits.batteryV(voltage.get()) : null)
                .setSensorFault(false)
                .setLowBattery(null)
                .setMessageId(messageId.isPresent() ? TextFields.messageId("msgId", messageId.get()) : DeviceIds.derivedMessageId(eventTime))
                .build();
    }

    private static BigDecimal celsius(JsonPayload json) throws InvalidPayloadException {
        BigDecimal value = json.requiredNumber("readings.temperature.value");
        String unit = json.requiredText("readings.temperature.unit");
        return switch (unit) {
            case "C" -> value;
            case "F" -> PhysicalLimits.fahrenheitToCelsius(value);
            default -> throw InvalidPayloadException.invalid("readings.temperature.unit",
                    "expected \"C\" or \"F\", got \"" + unit + "\"");
        };
    }

    /** ISO-8601 with an offset (a time without one is ambiguous), truncated to milliseconds. */
    private static Instant parseTime(String text) throws InvalidPayloadException {
        if (text.length() > MAX_TIME_CHARS) {
            throw InvalidPayloadException.invalid("time", "expected ISO-8601 with a UTC offset, got " + text.length()
                    + " characters");
        }
        Instant common = IsoOffsetTimes.parseCommon(text);
        if (common != null) {
            return common;
        }
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant()
                    .truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeParseException e) {
            throw InvalidPayloadException.invalid("time", "expected ISO-8601 with a UTC offset, got \"" + text + "\"");
        }
    }
}
