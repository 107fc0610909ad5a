package dev.iotpipeline.streams.deadletter;

import dev.iotpipeline.streams.convert.Reasons;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import dev.iotpipeline.streams.outage.RegistryOutage;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backstop for a record that fails where no processor expected it (a bug, or a plugin's
 * converter that returns something odd): the record's original bytes and headers go to the
 * dead-letter topic with reason {@value Reasons#PROCESSING_ERROR} and the stage that failed, in
 * the same transaction as the input's progress, and processing goes on. The processors handle
 * the failures they know of themselves, with specific reasons.
 *
 * <p>An unreachable schema registry is not the record's fault: it fails the stream thread
 * instead, so the record is processed again once the registry is back ({@link RegistryOutage}).
 * So does a failure with no record to dead-letter (a punctuation).
 */
public final class DeadLetterExceptionHandler implements ProcessingExceptionHandler, ProductionExceptionHandler {

    /** Setting (in the Kafka Streams properties) naming the dead-letter topic. */
    public static final String DEAD_LETTER_TOPIC_CONFIG = "iot.streams.deadletter.topic";
    /** Setting (in the Kafka Streams properties) holding the {@link StreamsMetrics} instance. */
    public static final String METRICS_CONFIG = "iot.streams.metrics";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterExceptionHandler.class);

    private final ProductionExceptionHandler sendErrors = new DefaultProductionExceptionHandler();
    private String deadLetterTopic;
    private StreamsMetrics metrics;

    /** The Kafka Streams properties that install this handler. */
    public static Map<String, Object> properties(String deadLetterTopic, StreamsMetrics metrics) {
        return Map.of(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class,
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class,
                DEAD_LETTER_TOPIC_CONFIG, deadLetterTopic, METRICS_CONFIG, metrics);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetterTopic = String.valueOf(configs.get(DEAD_LETTER_TOPIC_CONFIG));
        metrics = (StreamsMetrics) configs.get(METRICS_CONFIG);
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception error) {
        Optional<ProducerRecord<byte[], byte[]>> deadLetter = deadLetter(context, error);
        return deadLetter.isPresent() ? ProcessingExceptionHandler.Response.resume(List.of(deadLetter.get()))
                : ProcessingExceptionHandler.Response.fail();
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
                                                                        Exception error, SerializationExceptionOrigin origin) {
        Optional<ProducerRecord<byte[], byte[]>> deadLetter = deadLetter(context, error);
        return deadLetter.isPresent() ? ProductionExceptionHandler.Response.resume(List.of(deadLetter.get()))
                : ProductionExceptionHandler.Response.fail();
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                           Exception error) {
        // Send failures are Kafka's to retry or fail on; they never say anything about the record's content.
        return sendErrors.handleError(context, record, error);
    }

    private Optional<ProducerRecord<byte[], byte[]>> deadLetter(ErrorHandlerContext context, Exception error) {
        if (RegistryOutage.isCauseOf(error) || context.sourceRawValue() == null) {
            return Optional.empty();
        }
        String stage = stageOf(context.processorNodeId());
        String message = error.getClass().getSimpleName() + " in " + context.processorNodeId() + ": " + error.getMessage();
        LOG.error("Dead letter {} at stage {} from {}-{}@{}: {}", Reasons.PROCESSING_ERROR, stage, context.topic(),
                context.partition(), context.offset(), message, error);
        if (metrics != null) {
            metrics.deadLetter(stage, Reasons.PROCESSING_ERROR);
        }
        Headers headers = DeadLetters.headers(context.headers(), Reasons.PROCESSING_ERROR, message, stage,
                new DeadLetters.Source(context.topic(), context.partition(), context.offset()), null,
                System.currentTimeMillis());
        return Optional.of(new ProducerRecord<>(deadLetterTopic, null, context.sourceRawKey(), context.sourceRawValue(),
                headers));
    }

    /** The stage of a topology node, by the node names {@code TelemetryTopology} gives. */
    static String stageOf(String node) {
        if (node == null) {
            return "unknown";
        }
        if (node.startsWith("convert")) {
            return DeadLetters.STAGE_CONVERT;
        }
        if (node.startsWith("deduplicate") || node.startsWith("canonical-sink")) {
            return DeadLetters.STAGE_DEDUP;
        }
        if (node.startsWith("batch")) {
            return DeadLetters.STAGE_BATCH;
        }
        return node.startsWith("shadow") ? DeadLetters.STAGE_SHADOW : node;
    }
}
