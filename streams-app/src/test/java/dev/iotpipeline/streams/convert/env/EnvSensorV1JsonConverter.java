package dev.iotpipeline.streams.convert.env;

import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.DeviceTypes;
import dev.iotpipeline.streams.convert.DeviceIds;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.JsonPayload;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.RawReading;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * env-sensor v1, legacy firmware 1.x: {@code {"id":"env-0001","ts":1763933600,"t":215,"h":41,"bat":87}}
 * with time in epoch seconds, temperature in tenths of °C, humidity and battery in whole percent.
 */
public final class EnvSensorV1JsonConverter implements FormatConverter {

    @Override
    public String deviceType() {
        return DeviceTypes.ENV_SENSOR;
    }

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public EnvReading convert(RawReading reading) throws InvalidPayloadException {
        JsonPayload json = JsonPayload.parse(reading.payload());
        DeviceIds.requireSame(reading.deviceId(), json.requiredText("id"));
        long seconds = json.requiredInteger("ts");
        if (seconds < 0) {
            throw InvalidPayloadException.invalid("ts", "negative epoch seconds " + seconds);
        }
        long eventTime = PhysicalLimits.eventTimeOfEpochSeconds(seconds, reading);
        Optional<Long> battery = json.optionalInteger("bat");
        return EnvReading.newBuilder()
                .setDeviceId(reading.deviceId())
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setIngestTime(reading.receiveTime())
                .setSourceFormat(sourceFormat())
                .setFirmware(null)
                .setTemperatureC(PhysicalLimits.temperatureC(PhysicalLimits.scaled(json.requiredInteger("t"), 1)))
                .setHumidityPct(PhysicalLimits.humidityPct(BigDecimal.valueOf(json.requiredInteger("h"))))
                .setBatteryPct(battery.isPresent() ? PhysicalLimits.batteryPct(BigDecimal.valueOf(battery.get())) : null)
                .setBatteryV(null)
                .setSensorFault(false)
                .setLowBattery(null)
                .setMessageId(DeviceIds.derivedMessageId(eventTime))
                .build();
    }
}
