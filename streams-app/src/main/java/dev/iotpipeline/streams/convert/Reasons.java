package dev.iotpipeline.streams.convert;

/**
 * Stable reason codes of dead letters. Operators alert and query on them, so they never change
 * meaning; new ones may be added.
 */
public final class Reasons {

    /** JSON that does not parse, or is not the expected shape. */
    public static final String MALFORMED_JSON = "malformed-json";
    /** Text that does not split into the expected fields. */
    public static final String MALFORMED_TEXT = "malformed-text";
    /** Binary payload of the wrong length. */
    public static final String BAD_LENGTH = "bad-length";
    /** Binary payload whose magic byte is wrong. */
    public static final String BAD_MAGIC = "bad-magic";
    /** Binary payload whose checksum does not match. */
    public static final String BAD_CRC = "bad-crc";
    /** The payload names a device other than the authenticated one. */
    public static final String DEVICE_ID_MISMATCH = "device-id-mismatch";
    /** No converter for the device type and format version in the headers. */
    public static final String UNKNOWN_FORMAT = "unknown-format";
    /** A canonical record on a canonical topic that cannot be decoded. */
    public static final String UNDECODABLE_CANONICAL = "undecodable-canonical";
    /** A converter failed in a way it did not report as {@link InvalidPayloadException} (a converter bug). */
    public static final String CONVERSION_ERROR = "conversion-error";
    /** Any other per-record failure, caught by the topology's backstop handler. */
    public static final String PROCESSING_ERROR = "processing-error";
    /** A record larger than a batch may be. */
    public static final String RECORD_TOO_LARGE = "record-too-large";

    /** A shadow state update that is not a JSON object or whose key is not its device id. */
    public static final String INVALID_SHADOW_STATE = "invalid-shadow-state";

    private Reasons() {
    }

    /** {@code out-of-range:<canonical field>}, e.g. {@code out-of-range:humidity_pct}. */
    public static String outOfRange(String field) {
        return "out-of-range:" + field;
    }

    /** {@code missing-field:<payload field>}. */
    public static String missingField(String field) {
        return "missing-field:" + field;
    }

    /** {@code invalid-field:<payload field>}: present but of the wrong type or form. */
    public static String invalidField(String field) {
        return "invalid-field:" + field;
    }

    /** {@code invalid-header:<header>}: a header the bridge writes has a value it never writes. */
    public static String invalidHeader(String header) {
        return "invalid-header:" + header;
    }

    /** {@code missing-header:<header>}: the raw record lacks a header the bridge always writes. */
    public static String missingHeader(String header) {
        return "missing-header:" + header;
    }
}
