package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.streams.StreamsAppConfig;
import io.fabric8.kubernetes.api.model.Container;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Maps a rendered container's environment back to the component's config keys, as the component does. */
final class ComponentEnv {

    private ComponentEnv() {
    }

    /** Keys the bridge Deployment sets in the scenario with every feature on (TLS, mTLS, rules). */
    static Set<String> bridgeKeysSetByChart() {
        Container bridge = RenderedChart.onlyContainer(RenderedChart.render("tls-mtls-bridge-values.yaml")
                .deployment("bridge").getSpec().getTemplate().getSpec());
        Set<String> keys = new TreeSet<>(bridgeKeys(RenderedChart.env(bridge)).keySet());
        keys.removeIf(k -> k.startsWith("kafka.") || Set.of("max.payload.bytes", "max.connections", "max.inflight.bytes").contains(k));
        return keys;
    }

    static Set<String> streamsKeysSetByChart() {
        Container streams = RenderedChart.onlyContainer(RenderedChart.render("sasl-ssl-kafka-values.yaml")
                .statefulSet("streams").getSpec().getTemplate().getSpec());
        Set<String> keys = new TreeSet<>(streamsKeys(RenderedChart.env(streams)).keySet());
        keys.removeIf(k -> k.startsWith("kafka.") || k.equals("batch.max.age.ms"));
        return keys;
    }

    /**
     * A bridge setting by key name as text (looked up, not compiled in, so a bridge on the class
     * path that lacks a key the chart sets fails here with its name).
     */
    static String bridgeValue(BridgeConfig config, String name) {
        assertThat(BridgeConfig.COMPONENT.definition().names())
                .as("BridgeConfig has no %s (an ingest-bridge older than the chart?)", name).contains(name);
        return String.valueOf(config.values().get(name));
    }

    /** IOT_BRIDGE_* variables as bridge keys; fails on a name that is neither a key nor a producer passthrough. */
    static Map<String, String> bridgeKeys(Map<String, String> env) {
        Map<String, String> byEnv = BridgeConfig.COMPONENT.definition().names().stream()
                .collect(Collectors.toMap(BridgeConfig::envName, Function.identity()));
        return keys(env, BridgeConfig.ENV_PREFIX, byEnv, ProducerConfig.configNames());
    }

    /** IOT_STREAMS_* variables as streams-app keys; fails on a name that is neither a key nor a Kafka Streams/client passthrough. */
    static Map<String, String> streamsKeys(Map<String, String> env) {
        Map<String, String> byEnv = StreamsAppConfig.COMPONENT.definition().names().stream()
                .collect(Collectors.toMap(StreamsAppConfig::envName, Function.identity()));
        Set<String> clientKeys = new TreeSet<>(StreamsConfig.configDef().names());
        clientKeys.addAll(ConsumerConfig.configNames());
        clientKeys.addAll(ProducerConfig.configNames());
        clientKeys.addAll(AdminClientConfig.configNames());
        return keys(env, StreamsAppConfig.ENV_PREFIX, byEnv, clientKeys);
    }

    private static Map<String, String> keys(Map<String, String> env, String prefix, Map<String, String> byEnv, Set<String> passthrough) {
        Map<String, String> keys = new TreeMap<>();
        env.forEach((name, value) -> {
            if (!name.startsWith(prefix)) {
                return;
            }
            String key = byEnv.get(name);
            if (key == null) {
                // The component's fallback: lower case, underscores as dots; only kafka.* keys are read.
                key = name.substring(prefix.length()).toLowerCase().replace('_', '.');
                assertThat(key).as("%s is no key the component reads", name).startsWith("kafka.");
                String clientKey = key.substring("kafka.".length())
                        .replaceFirst("^(main\\.consumer|restore\\.consumer|global\\.consumer|consumer|producer|admin)\\.", "");
                assertThat(passthrough).as("%s passes %s through, which Kafka does not know", name, key).contains(clientKey);
            }
            keys.put(key, value);
        });
        return keys;
    }
}
