package dev.iotpipeline.streams.convert.gps;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iotpipeline.schemas.canonical.Position;
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
 * gps-tracker v2: JSON with epoch milliseconds and a GeoJSON point, whose coordinates are
 * [longitude, latitude] (an optional third, altitude, is ignored); speed in m/s, heading and
 * accuracy optional.
 */
public final class GpsTrackerV2JsonConverter implements FormatConverter {

    @Override
    public String deviceType() {
        return DeviceTypes.GPS_TRACKER;
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public Position convert(RawReading reading) throws InvalidPayloadException {
        JsonPayload json = JsonPayload.parse(reading.payload());
        DeviceIds.requireSame(reading.deviceId(), json.requiredText("deviceId"));
        long millis = json.requiredInteger("ts");
        if (millis < 0) {
            throw InvalidPayloadException.invalid("ts", "negative epoch milliseconds " + millis);
        }
        long eventTime = PhysicalLimits.eventTime(Instant.ofEpochMilli(millis), reading);
        String type = json.requiredText("position.type");
        if (!"Point".equals(type)) {
            throw InvalidPayloadException.invalid("position.type", "expected a GeoJSON \"Point\", got \"" + type + "\"");
        }
        JsonNode coordinates = json.node("position.coordinates").orElseThrow(
                () -> InvalidPayloadException.missing("position.coordinates"));
        if (!coordinates.isArray() || coordinates.size() < 2 || coordinates.size() > 3
                || !coordinates.get(0).isNumber() || !coordinates.get(1).isNumber()) {
            throw InvalidPayloadException.invalid("position.coordinates",
                    "expected [longitude, latitude] numbers, got " + coordinates);
        }
        Optional<BigDecimal> speed = json.optionalNumber("speedMps");
        Optional<BigDecimal> heading = json.optionalNumber("heading");
        Optional<BigDecimal> accuracy = json.optionalNumber("accuracyM");
        return Position.newBuilder()
                .setDeviceId(reading.deviceId())
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setIngestTime(reading.receiveTime())
                .setSourceFormat(sourceFormat())
                .setLongitude(PhysicalLimits.longitude(coordinates.get(0).decimalValue()))
                .setLatitude(PhysicalLimits.latitude(coordinates.get(1).decimalValue()))
                .setSpeedMps(speed.isPresent() ? PhysicalLimits.speedMps(speed.get()) : null)
                .setHeadingDeg(heading.isPresent() ? PhysicalLimits.headingDeg(heading.get()) : null)
                .setAccuracyM(accuracy.isPresent() ? PhysicalLimits.accuracyM(accuracy.get()) : null)
                .setMessageId(DeviceIds.derivedMessageId(eventTime))
                .build();
    }
}
