package dev.iotpipeline.schemas.contract;

/**
 * Default Kafka topic names shared by the bridge, the streams app, the sinks and the launcher.
 * Every component reads its topic names from configuration whose defaults come from here, so a
 * deployment can rename them without a code change.
 *
 * <p>Raw topics are per device type: the payload format version travels in a header, so a new
 * firmware version needs no new topic. Canonical and batch topics are per measurement family
 * (see {@link MeasurementFamily}).
 */
public final class Topics {

    /** Raw env-sensor payloads (every format version), key = device id, headers per {@link TelemetryHeaders}. */
    public static final String RAW_ENV_SENSOR = "iot.raw.env-sensor";
    /** Raw gps-tracker payloads (every format version), key = device id, headers per {@link TelemetryHeaders}. */
    public static final String RAW_GPS_TRACKER = "iot.raw.gps-tracker";
    /** Everything the pipeline could not convert: original bytes and headers plus {@link DeadLetterHeaders}. */
    public static final String DEAD_LETTER = "iot.deadletter";

    /** Commands for devices (Avro {@code Command}), key = command id. */
    public static final String COMMANDS = "iot.commands";
    /** Delivery outcomes (Avro {@code CommandStatus}), key = command id. */
    public static final String COMMAND_STATUS = "iot.command-status";
    /** Reported device states (Avro {@code ShadowState}), compacted, key = device id. */
    public static final String SHADOW_REPORTED = "iot.shadow.reported";
    /** Desired device states (Avro {@code ShadowState}), compacted, key = device id. */
    public static final String SHADOW_DESIRED = "iot.shadow.desired";
    /** Device shadows with their delta (Avro {@code DeviceShadow}), compacted, key = device id. */
    public static final String SHADOW = "iot.shadow";

    /**
     * Which dead letters of {@link #DEAD_LETTER} were replayed to their raw topic, compacted, key =
     * {@code partition@offset} of the letter, value = when (ISO-8601): written in the same
     * transaction as the replayed record, so a letter is replayed at most once.
     */
    public static final String DEAD_LETTER_REPLAYS = "iot.deadletter.replays";

    /**
     * Format descriptors in force (the YAML text, UTF-8), compacted, key = {@code deviceType/version}
     * (e.g. {@code env-sensor/v4}), headers per {@link FormatHeaders}; a tombstone withdraws one.
     */
    public static final String FORMATS = "iot.formats";
    /** Every descriptor published or withdrawn, in order, never compacted: the audit trail of {@link #FORMATS}. */
    public static final String FORMATS_HISTORY = "iot.formats.history";

    private static final String RAW_PREFIX = "iot.raw.";

    private Topics() {
    }

    /** The default raw topic for a device type: {@code iot.raw.<deviceType>}. */
    public static String rawTopic(String deviceType) {
        return RAW_PREFIX + deviceType;
    }
}
