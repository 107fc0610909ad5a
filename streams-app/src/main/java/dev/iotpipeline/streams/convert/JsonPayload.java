package dev.iotpipeline.streams.convert;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Optional;

/**
 * Typed access to a JSON payload. Numbers are read as exact decimals, so unit conversions do not
 * add binary floating-point noise. Field names in errors are JSON paths like {@code device.id}.
 *
 * <p>The parser's limits are set explicitly, so the work per payload is bounded whatever a device
 * sends (each breach is {@code malformed-json}): {@value #MAX_DOCUMENT_BYTES} bytes per document,
 * nesting depth {@value #MAX_DEPTH}, {@value #MAX_NUMBER_CHARS} characters per number,
 * {@value #MAX_STRING_CHARS} per string value and {@value #MAX_NAME_CHARS} per field name.
 */
public final class JsonPayload {

    static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    static final int MAX_DEPTH = 16;
    static final int MAX_NUMBER_CHARS = 64;
    static final int MAX_STRING_CHARS = 4096;
    static final int MAX_NAME_CHARS = 256;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxDocumentLength(MAX_DOCUMENT_BYTES)
                            .maxNestingDepth(MAX_DEPTH)
                            .maxNumberLength(MAX_NUMBER_CHARS)
                            .maxStringLength(MAX_STRING_CHARS)
                            .maxNameLength(MAX_NAME_CHARS)
                            .build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final JsonNode root;

    private JsonPayload(JsonNode root) {
        this.root = root;
    }

    /** Parses a JSON object. */
    public static JsonPayload parse(byte[] payload) throws InvalidPayloadException {
        JsonNode root;
        if (payload.length > MAX_DOCUMENT_BYTES) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "the payload has " + payload.length
                    + " bytes, more than " + MAX_DOCUMENT_BYTES);
        }
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "not valid JSON: " + e.getMessage());
        } catch (NumberFormatException e) {
            // Jackson refuses an exponent beyond the int range (1e-1207665050236) with an unchecked exception.
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "a number beyond any decimal: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "the payload is not a JSON object");
        }
        return new JsonPayload(root);
    }

    /** The parsed object, for readers that walk precompiled paths (format descriptors). */
    public JsonNode root() {
        return root;
    }

    /** The node at a dotted path, if present and not JSON null. */
    public Optional<JsonNode> node(String path) {
        JsonNode node = root;
        // Walked by hand, not with split(): this runs for several fields of every reading.
        for (int start = 0, dot; ; start = dot + 1) {
            dot = path.indexOf('.', start);
            node = node.path(dot < 0 ? path.substring(start) : path.substring(start, dot));
            if (dot < 0) {
                break;
            }
        }
        return node.isMissingNode() || node.isNull() ? Optional.empty() : Optional.of(node);
    }

    public String requiredText(String path) throws InvalidPayloadException {
        return optionalText(path).orElseThrow(() -> InvalidPayloadException.missing(path));
    }

    public Optional<String> optionalText(String path) throws InvalidPayloadException {
        Optional<JsonNode> node = node(path);
        if (node.isPresent() && !node.get().isTextual()) {
            throw InvalidPayloadException.invalid(path, "expected a string, got " + node.get());
        }
        return node.map(JsonNode::asText);
    }

    public BigDecimal requiredNumber(String path) throws InvalidPayloadException {
        return optionalNumber(path).orElseThrow(() -> InvalidPayloadException.missing(path));
    }

    public Optional<BigDecimal> optionalNumber(String path) throws InvalidPayloadException {
        Optional<JsonNode> node = node(path);
        if (node.isPresent() && !node.get().isNumber()) {
            throw InvalidPayloadException.invalid(path, "expected a number, got " + node.get());
        }
        return node.map(JsonNode::decimalValue);
    }

    /** A whole number (no fraction), as the legacy formats use for scaled values and times. */
    public long requiredInteger(String path) throws InvalidPayloadException {
        return wholeNumber(path, requiredNumber(path));
    }

    public Optional<Long> optionalInteger(String path) throws InvalidPayloadException {
        Optional<BigDecimal> number = optionalNumber(path);
        return number.isEmpty() ? Optional.empty() : Optional.of(wholeNumber(path, number.get()));
    }

    /** {@code number} as a long: {@code invalid-field:<path>} when it has a fraction or does not fit 64 bits. */
    public static long wholeNumber(String path, BigDecimal number) throws InvalidPayloadException {
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            // toPlainString of 1e999999999 would be a billion characters.
            throw InvalidPayloadException.invalid(path, "expected a whole number within the 64-bit range, got "
                    + number.round(MathContext.DECIMAL32));
        }
    }
}
