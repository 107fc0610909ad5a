package dev.iotpipeline.streams.deadletter;

import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds the headers of a dead letter: the original headers plus why, where and when. */
public final class DeadLetters {

    /** Stage names in {@link DeadLetterHeaders#STAGE}. */
    public static final String STAGE_CONVERT = "convert";
    public static final String STAGE_DEDUP = "dedup";
    public static final String STAGE_BATCH = "batch";
    public static final String STAGE_SHADOW = "shadow";

    private static final int MAX_MESSAGE_CHARS = 1000;

    private DeadLetters() {
    }

    /** Where a dead letter was read. */
    public record Source(String topic, int partition, long offset) {
    }

    public static Headers headers(Headers original, String reason, String message, String stage,
                                  Optional<RecordMetadata> source, String sourceFormat, long nowMillis) {
        return headers(original, reason, message, stage,
                source.map(m -> new Source(m.topic(), m.partition(), m.offset())).orElse(null), sourceFormat, nowMillis);
    }

    /** @param source where the record was read; null if unknown */
    public static Headers headers(Headers original, String reason, String message, String stage, Source source,
                                  String sourceFormat, long nowMillis) {
        RecordHeaders headers = new RecordHeaders(original.toArray());
        put(headers, DeadLetterHeaders.REASON, reason);
        put(headers, DeadLetterHeaders.MESSAGE, message.length() > MAX_MESSAGE_CHARS
                ? message.substring(0, MAX_MESSAGE_CHARS) + "..." : message);
        put(headers, DeadLetterHeaders.STAGE, stage);
        if (source != null) {
            put(headers, DeadLetterHeaders.SOURCE_TOPIC, source.topic());
            put(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(source.partition()));
            put(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(source.offset()));
        }
        if (sourceFormat != null) {
            put(headers, DeadLetterHeaders.SOURCE_FORMAT, sourceFormat);
        }
        put(headers, DeadLetterHeaders.TIME, Long.toString(nowMillis));
        return headers;
    }

    /** The last value of a UTF-8 header, if present. */
    public static Optional<String> text(Headers headers, String key) {
        var header = headers.lastHeader(key);
        return header == null || header.value() == null
                ? Optional.empty() : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    private static void put(Headers headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
