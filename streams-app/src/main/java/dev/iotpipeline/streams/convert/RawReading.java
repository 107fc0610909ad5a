package dev.iotpipeline.streams.convert;

import java.time.Instant;
import java.util.Objects;

/**
 * One message as a device sent it, with what the bridge knows for sure about it.
 *
 * @param payload the bytes the device sent
 * @param deviceId the authenticated device id (from the bridge, never from the payload)
 * @param receiveTime when the bridge received the message
 */
public record RawReading(byte[] payload, String deviceId, Instant receiveTime) {

    public RawReading {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(receiveTime, "receiveTime");
    }
}
