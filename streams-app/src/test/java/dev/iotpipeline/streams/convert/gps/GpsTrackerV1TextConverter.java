package dev.iotpipeline.streams.convert.gps;

import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.DeviceTypes;
import dev.iotpipeline.streams.convert.DeviceIds;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.Reasons;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * gps-tracker v1: comma-separated text {@code trk-0017,1763933600,35.681236,139.767125,12.6[,270]}:
 * device id, epoch seconds, latitude, longitude, speed in km/h, optional heading in degrees.
 * Surrounding whitespace (a trailing newline) is ignored.
 */
public final class GpsTrackerV1TextConverter implements FormatConverter {

    /** Longest numeric field: far more digits than any coordinate or speed needs, few enough to parse in bounded time. */
    private static final int MAX_FIELD_CHARS = 64;

    @Override
    public String deviceType() {
        return DeviceTypes.GPS_TRACKER;
    }

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public Position convert(RawReading reading) throws InvalidPayloadException {
        String[] fields = utf8(reading.payload()).strip().split(",", -1);
        if (fields.length != 5 && fields.length != 6) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT,
                    "expected 5 or 6 comma-separated fields, got " + fields.length);
        }
        DeviceIds.requireSame(reading.deviceId(), fields[0].strip());
        long eventTime = PhysicalLimits.eventTimeOfEpochSeconds(epochSeconds(fields[1]), reading);
        return Position.newBuilder()
                .setDeviceId(reading.deviceId())
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setIngestTime(reading.receiveTime())
                .setSourceFormat(sourceFormat())
                .setLatitude(PhysicalLimits.latitude(number(fields[2], "latitude")))
                .setLongitude(PhysicalLimits.longitude(number(fields[3], "longitude")))
                .setSpeedMps(PhysicalLimits.speedMps(PhysicalLimits.kmhToMps(number(fields[4], "speed"))))
                .setHeadingDeg(fields.length == 6 ? PhysicalLimits.headingDeg(number(fields[5], "heading")) : null)
                .setAccuracyM(null)
                .setMessageId(DeviceIds.derivedMessageId(eventTime))
                .build();
    }

    private static long epochSeconds(String field) throws InvalidPayloadException {
        BigDecimal time = number(field, "event time");
        if (time.scale() > 0 || time.signum() < 0) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, "event time must be whole epoch seconds: " + field);
        }
        try {
            return time.longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidPayloadException(Reasons.outOfRange("event_time"), "event time " + field.strip()
                    + " epoch seconds is beyond any date");
        }
    }

    private static BigDecimal number(String field, String name) throws InvalidPayloadException {
        if (field.length() > MAX_FIELD_CHARS) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + " has " + field.length()
                    + " characters, more than " + MAX_FIELD_CHARS);
        }
        try {
            return new BigDecimal(field.strip());
        } catch (NumberFormatException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, name + " is not a number: \"" + field + "\"");
        }
    }

    private static String utf8(byte[] payload) throws InvalidPayloadException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, "the payload is not UTF-8 text");
        }
    }
}
