package dev.iotpipeline.schemas.contract;

/**
 * Headers added to a dead letter, next to the original record's bytes and headers. Values are
 * UTF-8 strings; times are epoch milliseconds in decimal.
 */
public final class DeadLetterHeaders {

    /** Stable reason code, e.g. {@code bad-crc}, {@code device-id-mismatch}, {@code out-of-range:humidity_pct}. */
    public static final String REASON = "iot.dlq.reason";
    /** Human-readable explanation. */
    public static final String MESSAGE = "iot.dlq.message";
    /** Pipeline stage that gave up, e.g. {@code convert}, {@code bridge}, {@code lake-sink}. */
    public static final String STAGE = "iot.dlq.stage";
    public static final String SOURCE_TOPIC = "iot.dlq.source.topic";
    public static final String SOURCE_PARTITION = "iot.dlq.source.partition";
    public static final String SOURCE_OFFSET = "iot.dlq.source.offset";
    /** When the record was dead-lettered, epoch milliseconds UTC. */
    public static final String TIME = "iot.dlq.time";
    /** Device type and format version the stage assumed, e.g. {@code env-sensor/v3}, when known. */
    public static final String SOURCE_FORMAT = "iot.dlq.source.format";
    /** For one reading refused from a batch by a sink: the batch's id. */
    public static final String BATCH_ID = "iot.dlq.batch.id";
    /** For one reading refused from a batch: its index in the batch, from 0. */
    public static final String ROW_POSITION = "iot.dlq.row.position";
    /** For one reading refused from a batch: its device id and message id. */
    public static final String DEVICE_ID = "iot.dlq.device.id";
    public static final String MESSAGE_ID = "iot.dlq.message.id";

    private DeadLetterHeaders() {
    }
}
