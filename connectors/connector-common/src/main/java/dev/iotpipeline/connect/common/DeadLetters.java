package dev.iotpipeline.connect.common;

import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The errant-record reporter path (the connector's dead-letter topic, {@code errors.tolerance=all}
 * with {@code errors.deadletterqueue.topic.name}): a whole record that is not a batch, or single
 * readings of a batch that a sink refuses. A refused reading becomes its own dead letter: the
 * reading as Avro JSON (its writer schema's encoding) with the batch record's headers plus
 * {@link DeadLetterHeaders}, including the batch id, position, device id and message id. Without a
 * reporter the task fails, naming the record. Returns only once the worker has the dead letters.
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final ErrantRecordReporter reporter;
    private final String stage;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong readings = new AtomicLong();
    private final SinkMetrics metrics;

    /** @param stage named in {@link DeadLetterHeaders#STAGE}, e.g. {@code lake-sink} */
    public DeadLetters(SinkTaskContext context, String stage) {
        this(context, stage, SinkMetrics.unregistered());
    }

    /** @param metrics counts the dead letters by reason */
    public DeadLetters(SinkTaskContext context, String stage, SinkMetrics metrics) {
        this.reporter = reporter(context);
        this.stage = stage;
        this.metrics = metrics;
    }

    private static ErrantRecordReporter reporter(SinkTaskContext context) {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a worker older than Kafka 2.6
        }
    }

    /** The whole record, e.g. one the store refuses as a whole (counted under the reason {@code refused-batch}). */
    public void reject(SinkRecord record, Exception error) {
        reject(record, error, "refused-batch");
    }

    /** The whole record, counted under {@code reason}, e.g. {@code unreadable-batch} for one that is not a batch. */
    public void reject(SinkRecord record, Exception error, String reason) {
        if (reporter == null) {
            throw new ConnectException("Cannot store the batch at " + where(record) + ": " + error.getMessage(), error);
        }
        LOG.warn("Batch at {} sent to the dead-letter topic: {}", where(record), error.getMessage());
        await(record, List.of(reporter.report(record, error)));
        records.incrementAndGet();
        metrics.deadLettered(reason, 1);
    }

    /** Each refused reading of {@code batch} (from {@code record}) as its own dead letter. */
    public void rejectRows(SinkRecord record, Batch batch, List<RefusedRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        RefusedRow first = rows.get(0);
        if (reporter == null) {
            throw new ConnectException("Cannot store " + describe(batch, first) + " from " + where(record)
                    + " and no dead-letter topic is set: " + first.message());
        }
        // One line per batch at WARN (a bad batch can refuse thousands of readings), each reading at DEBUG.
        LOG.warn("Batch {} from {}: {} of {} readings sent to the dead-letter topic, the first {}: {}", batch.batchId(),
                where(record), rows.size(), batch.readings().size(), first.position(), first.message());
        List<Future<Void>> sent = new ArrayList<>(rows.size());
        for (RefusedRow row : rows) {
            LOG.debug("{} from {} sent to the dead-letter topic: {}", describe(batch, row), where(record), row.message());
            sent.add(reporter.report(rowRecord(record, batch, row), new DataException(describe(batch, row) + " refused ("
                    + row.reason() + "): " + row.message())));
        }
        await(record, sent);
        readings.addAndGet(rows.size());
        rows.stream().collect(java.util.stream.Collectors.groupingBy(RefusedRow::reason, java.util.stream.Collectors.counting()))
                .forEach((reason, count) -> metrics.deadLettered(reason, count.intValue()));
    }

    /** Whole records dead-lettered since the task started. */
    public long records() {
        return records.get();
    }

    /** Single readings dead-lettered since the task started. */
    public long readings() {
        return readings.get();
    }

    private SinkRecord rowRecord(SinkRecord record, Batch batch, RefusedRow row) {
        Headers headers = new ConnectHeaders(record.headers());
        headers.addString(DeadLetterHeaders.REASON, row.reason());
        headers.addString(DeadLetterHeaders.MESSAGE, row.message());
        headers.addString(DeadLetterHeaders.STAGE, stage);
        headers.addString(DeadLetterHeaders.SOURCE_TOPIC, record.topic());
        headers.addString(DeadLetterHeaders.SOURCE_PARTITION, String.valueOf(record.kafkaPartition()));
        headers.addString(DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(record.kafkaOffset()));
        headers.addString(DeadLetterHeaders.TIME, String.valueOf(System.currentTimeMillis()));
        headers.addString(DeadLetterHeaders.BATCH_ID, batch.batchId());
        headers.addString(DeadLetterHeaders.ROW_POSITION, String.valueOf(row.position()));
        if (row.deviceId() != null) {
            headers.addString(DeadLetterHeaders.DEVICE_ID, row.deviceId());
        }
        if (row.messageId() != null) {
            headers.addString(DeadLetterHeaders.MESSAGE_ID, row.messageId());
        }
        // A plain SinkRecord, not the worker's: the reporter then writes this value, not the whole batch.
        return new SinkRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), null,
                json(batch, batch.readings().get(row.position())), record.kafkaOffset(), record.timestamp(),
                record.timestampType(), headers);
    }

    private static byte[] json(Batch batch, GenericRecord reading) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(batch.readingSchema(), out);
            new GenericDatumWriter<GenericRecord>(batch.readingSchema(), BatchDecoder.MODEL).write(reading, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(SinkRecord record, List<Future<Void>> sent) {
        try {
            for (Future<Void> future : sent) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while dead-lettering from " + where(record), e);
        } catch (ExecutionException e) {
            throw new ConnectException("Could not dead-letter from " + where(record) + ": " + e.getCause().getMessage(), e);
        }
    }

    private static String describe(Batch batch, RefusedRow row) {
        return "Reading " + row.position() + " (device " + printable(row.deviceId()) + ", message "
                + printable(row.messageId()) + ") of batch " + batch.batchId();
    }

    /** Short and free of control characters, for logs and messages: the offending value may be neither. */
    static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < text.length() && out.length() < 80; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return i == text.length() ? out.toString() : out + "... (" + text.length() + " characters)";
    }

    /** {@code topic-partition@offset}. */
    public static String where(SinkRecord record) {
        return record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
    }
}
