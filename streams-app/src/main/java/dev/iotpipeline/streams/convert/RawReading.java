package dev.iotpipeline.streams.convert;

import java.time.Instant;
import java.util.Objects;

/**
 * One message as a device sent it, with what the bridge knows for sure about it.
 *
 * @param payload the bytes the device sent
 * @param deviceId the authenticated device id (from the bridge, never from the payload)
 * @param receiveTime when the bridge received the message
 * @param eventTimeFloor the earliest event time accepted (the {@code event.time.floor} setting)
 */
public record RawReading(byte[] payload, String deviceId, Instant receiveTime, Instant eventTimeFloor) {

    public RawReading {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(receiveTime, "receiveTime");
        Objects.requireNonNull(eventTimeFloor, "eventTimeFloor");
    }

    /** With the default clock floor, {@link PhysicalLimits#DEFAULT_EVENT_TIME_FLOOR}. */
    public RawReading(byte[] payload, String deviceId, Instant receiveTime) {
        this(payload, deviceId, receiveTime, PhysicalLimits.DEFAULT_EVENT_TIME_FLOOR);
    }
}
