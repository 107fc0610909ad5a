package dev.iotpipeline.streams.shadow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON rules of a device shadow: updates are partial documents merged into the current state
 * (a field set to null removes it), and the delta is every desired field whose value differs from,
 * or is missing in, the reported state, nested objects compared field by field.
 */
public final class ShadowDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ShadowDocuments() {
    }

    public static ObjectNode parseObject(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("a shadow state must be a JSON object, got: " + json);
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a shadow state must be a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code current} with {@code update} merged in (JSON merge patch, RFC 7386). */
    public static ObjectNode merge(ObjectNode current, ObjectNode update) {
        ObjectNode merged = current.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> fields = update.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            JsonNode existing = merged.get(field.getKey());
            if (value.isNull()) {
                merged.remove(field.getKey());
            } else if (value.isObject() && existing != null && existing.isObject()) {
                merged.set(field.getKey(), merge((ObjectNode) existing, (ObjectNode) value));
            } else if (value.isObject()) {
                merged.set(field.getKey(), merge(JSON.createObjectNode(), (ObjectNode) value));
            } else {
                merged.set(field.getKey(), value);
            }
        }
        return merged;
    }

    /** The desired fields the device has not reached yet. */
    public static ObjectNode delta(ObjectNode desired, ObjectNode reported) {
        ObjectNode delta = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> fields = desired.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode want = field.getValue();
            JsonNode have = reported.get(field.getKey());
            if (want.isObject() && have != null && have.isObject()) {
                ObjectNode nested = delta((ObjectNode) want, (ObjectNode) have);
                if (!nested.isEmpty()) {
                    delta.set(field.getKey(), nested);
                }
            } else if (!want.equals(have)) {
                delta.set(field.getKey(), want);
            }
        }
        return delta;
    }

    public static String write(JsonNode node) {
        return node.toString();
    }
}
