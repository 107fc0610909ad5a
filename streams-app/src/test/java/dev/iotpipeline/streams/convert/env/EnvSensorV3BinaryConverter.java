package dev.iotpipeline.streams.convert.env;

import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.Crc16CcittFalse;
import dev.iotpipeline.schemas.contract.DeviceTypes;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.Reasons;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * env-sensor v3, cellular firmware 3.x: 16 bytes, big-endian: magic 0x03, uint16 sequence, uint32
 * epoch seconds, int16 hundredths of °C, uint16 hundredths of percent humidity, uint16 millivolts,
 * uint8 flags (bit 0 sensor fault, bit 1 low battery), CRC-16/CCITT-FALSE over bytes 0..13.
 *
 * <p>Flag bits 2..7 are reserved; they are ignored rather than refused, so a firmware that starts
 * using one does not lose readings. The message id is the sequence number with the event time,
 * since the sequence alone wraps after 65535.
 */
public final class EnvSensorV3BinaryConverter implements FormatConverter {

    static final int LENGTH = 16;
    static final int MAGIC = 0x03;
    private static final int SENSOR_FAULT = 0x01;
    private static final int LOW_BATTERY = 0x02;

    @Override
    public String deviceType() {
        return DeviceTypes.ENV_SENSOR;
    }

    @Override
    public String version() {
        return "v3";
    }

    @Override
    public EnvReading convert(RawReading reading) throws InvalidPayloadException {
        byte[] bytes = reading.payload();
        if (bytes.length != LENGTH) {
            throw new InvalidPayloadException(Reasons.BAD_LENGTH, "expected " + LENGTH + " bytes, got " + bytes.length);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int magic = Byte.toUnsignedInt(in.get(0));
        if (magic != MAGIC) {
            throw new InvalidPayloadException(Reasons.BAD_MAGIC, String.format("expected magic 0x03, got 0x%02x", magic));
        }
        int expectedCrc = Short.toUnsignedInt(in.getShort(14));
        int actualCrc = Crc16CcittFalse.of(bytes, 0, 14);
        if (expectedCrc != actualCrc) {
            throw new InvalidPayloadException(Reasons.BAD_CRC,
                    String.format("CRC-16/CCITT-FALSE is 0x%04x over bytes 0..13, the payload says 0x%04x", actualCrc, expectedCrc));
        }
        int sequence = Short.toUnsignedInt(in.getShort(1));
        long seconds = Integer.toUnsignedLong(in.getInt(3));
        int flags = Byte.toUnsignedInt(in.get(13));
        boolean sensorFault = (flags & SENSOR_FAULT) != 0;
        long eventTime = PhysicalLimits.eventTimeOfEpochSeconds(seconds, reading);
        return EnvReading.newBuilder()
                .setDeviceId(reading.deviceId())
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setIngestTime(reading.receiveTime())
                .setSourceFormat(sourceFormat())
                .setFirmware(null)
                .setTemperatureC(sensorFault ? null : PhysicalLimits.temperatureC(PhysicalLimits.scaled(in.getShort(7), 2)))
                .setHumidityPct(sensorFault ? null
                        : PhysicalLimits.humidityPct(PhysicalLimits.scaled(Short.toUnsignedInt(in.getShort(9)), 2)))
                .setBatteryPct(null)
                .setBatteryV(PhysicalLimits.batteryV(PhysicalLimits.scaled(Short.toUnsignedInt(in.getShort(11)), 3)))
                .setSensorFault(sensorFault)
                .setLowBattery((flags & LOW_BATTERY) != 0)
                .setMessageId("seq-" + sequence + "-" + seconds)
                .build();
    }
}
