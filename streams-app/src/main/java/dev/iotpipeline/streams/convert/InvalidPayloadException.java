package dev.iotpipeline.streams.convert;

/**
 * A payload that cannot become a canonical record. The reason is a stable code that dead letters
 * and metrics carry, e.g. {@code bad-crc}, {@code device-id-mismatch},
 * {@code out-of-range:humidity_pct}; the message explains it for a human.
 */
public final class InvalidPayloadException extends Exception {

    private final String reason;

    public InvalidPayloadException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    public static InvalidPayloadException outOfRange(String field, Object value, String allowed) {
        return new InvalidPayloadException(Reasons.outOfRange(field), field + " " + value + " is outside " + allowed);
    }

    public static InvalidPayloadException missing(String field) {
        return new InvalidPayloadException(Reasons.missingField(field), "required field " + field + " is missing");
    }

    public static InvalidPayloadException invalid(String field, String message) {
        return new InvalidPayloadException(Reasons.invalidField(field), field + ": " + message);
    }
}
