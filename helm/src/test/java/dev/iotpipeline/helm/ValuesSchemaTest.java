package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.streams.StreamsAppConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** values.schema.json is strict, and helm-java enforces it. */
class ValuesSchemaTest {

    /** Objects whose content is a Kubernetes structure passed through (typed by Kubernetes, not by us). */
    private static final Set<String> PASSTHROUGH = Set.of("bridge.affinity", "streams.affinity", "connect.affinity",
            "bridge.extraEnv[]", "streams.extraEnv[]", "connect.extraEnv[]",
            "bridge.tolerations[]", "streams.tolerations[]", "connect.tolerations[]", "console.tolerations[]");

    private static JsonNode schema() throws IOException {
        return new ObjectMapper().readTree(RenderedChart.CHART.resolve("values.schema.json").toFile());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "bridgee.enabled, true",
        "bridge.replicsa, 3",
        "bridge.autoscaling.enabeld, false",
        "kafka.topics.partition, 6",
        "warehouse.jdbcURL, jdbc:postgresql://x/y",
        "lake.s3.buckets, x",
        "connect.connectorJob.timeout, 10",
        "bridge.config.max\\.payload\\.byte, 1000",
        "streams.config.batch\\.max\\.age, 1000",
    })
    void refusesAMisspelledKey(String key, String value) {
        assertThatThrownBy(() -> RenderedChart.render(Map.of(key, value)))
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "kafka.securityProtocol, SASL",
        "bridge.tls.clientAuth, optional",
        "streams.processingGuarantee, exactly_once",
        "connect.mode, standalone",
        "lake.storage, gcs",
        "bridge.ports.http, 70000",
        "warehouse.jdbcUrl, jdbc:mysql://db/iot",
        "bridge.mappingRules[0].pattern, dt/{deviceType}",
    })
    void refusesAValueOutsideItsType(String key, String value) {
        assertThatThrownBy(() -> RenderedChart.render(Map.of(key, value)))
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    @Test
    void acceptsKafkaPassthroughAndDocumentedKeys() {
        RenderedChart chart = RenderedChart.render(Map.of("bridge.config.kafka\\.linger\\.ms", "20",
                "streams.config.dedup\\.window\\.ms", "3600000"));
        assertThat(chart.yaml).contains("IOT_BRIDGE_KAFKA_LINGER_MS").contains("IOT_STREAMS_DEDUP_WINDOW_MS");
    }

    @Test
    void everyObjectIsClosedAndRequiresItsKeys() throws IOException {
        List<String> problems = new ArrayList<>();
        walk("", schema(), problems);
        assertThat(problems).isEmpty();
    }

    private static void walk(String path, JsonNode node, List<String> problems) {
        if (node.path("type").asText().equals("object") && !PASSTHROUGH.contains(path)) {
            JsonNode additional = node.get("additionalProperties");
            if (additional == null || additional.isBoolean() && additional.asBoolean()) {
                problems.add(path + ": additionalProperties is neither false nor a schema");
            }
            if (additional != null && additional.isBoolean() && node.has("properties")) {
                Set<String> properties = new TreeSet<>();
                node.get("properties").fieldNames().forEachRemaining(properties::add);
                Set<String> required = new TreeSet<>();
                node.path("required").forEach(r -> required.add(r.asText()));
                if (!path.endsWith("SecurityContext") && !path.endsWith("seccompProfile") && !path.endsWith("capabilities")
                        && !required.equals(properties)) {
                    problems.add(path + ": required " + required + " != properties " + properties);
                }
            }
        }
        node.path("properties").fields().forEachRemaining(e -> walk(path.isEmpty() ? e.getKey() : path + "." + e.getKey(),
                e.getValue(), problems));
        if (node.has("items")) {
            walk(path + "[]", node.get("items"), problems);
        }
    }

    /**
     * bridge.config / streams.config accept exactly the documented keys the chart does not set
     * itself (plus kafka.*); together with what the chart sets they cover every key the component reads.
     */
    @Test
    void componentConfigKeysAreTheComponentsOwn() throws IOException {
        Set<String> bridgeKeys = BridgeConfig.COMPONENT.definition().names();
        Set<String> streamsKeys = StreamsAppConfig.COMPONENT.definition().names();
        assertConfigKeys(schema().at("/properties/bridge/properties/config"), bridgeKeys,
                ComponentEnv.bridgeKeysSetByChart(), Set.of("mqtt.host", "http.host", "kafka.delivery.timeout.ms",
                        "basic.auth.user.info")); // set from schemaRegistry.basicAuth when a Secret is named
        assertConfigKeys(schema().at("/properties/streams/properties/config"), streamsKeys,
                ComponentEnv.streamsKeysSetByChart(), Set.of("http.host"));
    }

    private static void assertConfigKeys(JsonNode config, Set<String> componentKeys, Set<String> setByChart, Set<String> leftAlone) {
        Set<String> allowed = new TreeSet<>();
        config.at("/propertyNames/anyOf/0/enum").forEach(k -> allowed.add(k.asText()));
        assertThat(allowed).isNotEmpty();
        assertThat(componentKeys).containsAll(allowed);
        assertThat(allowed).doesNotContainAnyElementsOf(setByChart);
        Set<String> covered = new TreeSet<>(allowed);
        covered.addAll(setByChart);
        covered.addAll(leftAlone);
        assertThat(covered).containsAll(componentKeys);
        assertThat(config.at("/propertyNames/anyOf/1/pattern").asText()).startsWith("^kafka\\.");
    }
}
