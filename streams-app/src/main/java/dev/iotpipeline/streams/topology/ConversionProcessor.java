package dev.iotpipeline.streams.topology;

import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.Reasons;
import dev.iotpipeline.streams.convert.TextFields;
import dev.iotpipeline.streams.deadletter.DeadLetters;
import dev.iotpipeline.streams.formats.FormatCatalog;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import java.time.Instant;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw device message to canonical record: picks the converter by the device type and format
 * version headers and forwards the canonical record (key = device id) to {@link #CANONICAL}, or
 * the original record with dead-letter headers to {@link #DEAD_LETTER}. The converter is the one in
 * force in the {@link FormatCatalog} when the record is processed (a published descriptor may
 * replace it between two records).
 */
final class ConversionProcessor implements Processor<byte[], byte[], Object, Object> {

    static final String CANONICAL = "deduplicate";
    static final String DEAD_LETTER = "deadletter-sink-convert";

    private static final Logger LOG = LoggerFactory.getLogger(ConversionProcessor.class);

    private final FormatCatalog converters;
    private final StreamsMetrics metrics;
    private final Instant eventTimeFloor;
    private ProcessorContext<Object, Object> context;

    ConversionProcessor(FormatCatalog converters, StreamsMetrics metrics, Instant eventTimeFloor) {
        this.converters = converters;
        this.metrics = metrics;
        this.eventTimeFloor = eventTimeFloor;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Headers headers = record.headers();
        String sourceFormat = null;
        try {
            String deviceId = required(headers, TelemetryHeaders.DEVICE_ID);
            if (!TextFields.isDeviceId(deviceId)) {
                throw new InvalidPayloadException(Reasons.invalidHeader(TelemetryHeaders.DEVICE_ID),
                        "the device id header is not 1.." + TextFields.MAX_DEVICE_ID + " of [A-Za-z0-9._-]");
            }
            String deviceType = required(headers, TelemetryHeaders.DEVICE_TYPE);
            String version = required(headers, TelemetryHeaders.FORMAT_VERSION);
            sourceFormat = deviceType + "/" + version;
            Optional<FormatConverter> converter = converters.find(sourceFormat);
            // Only known formats become metric tags, so hostile headers cannot grow the metrics without bound.
            metrics.rawRecord(converter.isPresent() ? sourceFormat : Reasons.UNKNOWN_FORMAT);
            if (converter.isEmpty()) {
                throw new InvalidPayloadException(Reasons.UNKNOWN_FORMAT, "no converter for device type '" + deviceType
                        + "' format version '" + version + "'; known: " + converters.formats());
            }
            if (record.value() == null) {
                throw new InvalidPayloadException(Reasons.BAD_LENGTH, "the record has no payload");
            }
            SpecificRecord canonical = convert(converter.get(), new RawReading(record.value(), deviceId, receiveTime(record),
                    eventTimeFloor));
            context.forward(new Record<Object, Object>(deviceId, canonical, record.timestamp(), headers), CANONICAL);
        } catch (InvalidPayloadException e) {
            deadLetter(record, e.reason(), e.getMessage(), sourceFormat);
        }
    }

    /** A converter that fails otherwise than with {@link InvalidPayloadException} has a bug; the record still must not stop the app. */
    private static SpecificRecord convert(FormatConverter converter, RawReading reading) throws InvalidPayloadException {
        try {
            return converter.convert(reading);
        } catch (RuntimeException | StackOverflowError e) {
            LOG.warn("Converter {} failed on a {} byte payload", converter.getClass().getName(), reading.payload().length, e);
            throw new InvalidPayloadException(Reasons.CONVERSION_ERROR, converter.getClass().getSimpleName() + " failed: " + e);
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason, String message, String sourceFormat) {
        LOG.debug("Dead letter {} ({}): {}", reason, sourceFormat, message);
        metrics.deadLetter(DeadLetters.STAGE_CONVERT, reason);
        Headers headers = DeadLetters.headers(record.headers(), reason, message, DeadLetters.STAGE_CONVERT,
                context.recordMetadata(), sourceFormat, context.currentSystemTimeMs());
        context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers), DEAD_LETTER);
    }

    /** The bridge's receive time; the record timestamp when the header is absent or unreadable. */
    private static Instant receiveTime(Record<byte[], byte[]> record) {
        Optional<String> header = DeadLetters.text(record.headers(), TelemetryHeaders.RECEIVE_TIME);
        try {
            return Instant.ofEpochMilli(header.map(Long::parseLong).orElse(record.timestamp()));
        } catch (NumberFormatException e) {
            return Instant.ofEpochMilli(record.timestamp());
        }
    }

    private static String required(Headers headers, String key) throws InvalidPayloadException {
        return DeadLetters.text(headers, key).filter(value -> !value.isBlank()).orElseThrow(() ->
                new InvalidPayloadException(Reasons.missingHeader(key), "the raw record has no " + key + " header"));
    }
}
