package dev.iotpipeline.streams.convert.descriptor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema shipped for editors names exactly the keys, types, units and encodings the
 * compiler accepts, so neither can drift from the other.
 */
class DescriptorSchemaTest {

    private static JsonNode schema() throws IOException {
        try (InputStream in = FormatDescriptors.class.getResourceAsStream(FormatDescriptors.SCHEMA)) {
            assertThat(in).as(FormatDescriptors.SCHEMA).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void topLevelKeys() throws IOException {
        assertThat(names(schema().get("properties"))).containsExactlyInAnyOrderElementsOf(DescriptorCompiler.TOP_KEYS);
    }

    @Test
    void fieldKeys() throws IOException {
        Set<String> expected = new LinkedHashSet<>(PayloadLayout.JSON_KEYS);
        expected.addAll(PayloadLayout.DELIMITED_KEYS);
        expected.addAll(PayloadLayout.BINARY_KEYS);
        Set<String> canonical = new LinkedHashSet<>(expected);
        expected.addAll(DescriptorCompiler.FIELD_KEYS);
        canonical.addAll(DescriptorCompiler.CANONICAL_KEYS);
        JsonNode definitions = schema().get("definitions");
        assertThat(names(definitions.at("/field/properties"))).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(names(definitions.at("/canonical/properties"))).containsExactlyInAnyOrderElementsOf(canonical);
    }

    @Test
    void canonicalFieldsUnitsTypesAndTimeEncodings() throws IOException {
        JsonNode schema = schema();
        assertThat(texts(schema.at("/properties/canonical/propertyNames/enum")))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(CanonicalField.values()).map(f -> f.key).toList());
        assertThat(texts(schema.at("/definitions/canonical/properties/unit/oneOf/0/enum")))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Unit.values()).map(u -> u.key).toList());
        assertThat(texts(schema.at("/definitions/location/type/enum")))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(ValueType.values()).map(t -> t.key).toList());
        assertThat(texts(schema.at("/definitions/field/properties/event-time/enum")))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(TimeEncoding.values()).map(t -> t.key).toList());
        assertThat(texts(schema.at("/properties/record/enum")))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(CanonicalModel.values()).map(m -> m.key).toList());
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
