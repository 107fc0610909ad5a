package dev.iotpipeline.streams.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Typed access to a JSON payload. Numbers are read as exact decimals, so unit conversions do not
 * add binary floating-point noise. Field names in errors are JSON paths like {@code device.id}.
 */
public final class JsonPayload {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
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
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidPayloadException(Reasons.MALFORMED_JSON, "the payload is not a JSON object");
        }
        return new JsonPayload(root);
    }

    /** The node at a dotted path, if present and not JSON null. */
    public Optional<JsonNode> node(String path) {
        JsonNode node = root;
        for (String part : path.split("\\.")) {
            node = node.path(part);
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
        return integer(path, requiredNumber(path));
    }

    public Optional<Long> optionalInteger(String path) throws InvalidPayloadException {
        Optional<BigDecimal> number = optionalNumber(path);
        return number.isEmpty() ? Optional.empty() : Optional.of(integer(path, number.get()));
    }

    private static long integer(String path, BigDecimal number) throws InvalidPayloadException {
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            throw InvalidPayloadException.invalid(path, "expected a whole number, got " + number.toPlainString());
        }
    }
}
