package dev.iotpipeline.streams.convert;

/** The rule that a payload may only speak for the device that sent it. */
public final class DeviceIds {

    private DeviceIds() {
    }

    /** Fails with {@code device-id-mismatch} when the payload names another device. */
    public static void requireSame(String authenticated, String inPayload) throws InvalidPayloadException {
        if (!authenticated.equals(inPayload)) {
            throw new InvalidPayloadException(Reasons.DEVICE_ID_MISMATCH, "the payload names device '" + inPayload
                    + "' but the message was sent by device '" + authenticated + "'");
        }
    }

    /**
     * The message id of a reading whose format carries none: derived from what the reading carries,
     * its event time (the device id is the other half of the unique key).
     */
    public static String derivedMessageId(long eventTimeMillis) {
        return "ts-" + eventTimeMillis;
    }
}
