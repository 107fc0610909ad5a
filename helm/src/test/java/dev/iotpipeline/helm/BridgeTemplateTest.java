package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.MappingRules;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BridgeTemplateTest {

    private static PodSpec pod(RenderedChart chart) {
        return chart.deployment("bridge").getSpec().getTemplate().getSpec();
    }

    private static Map<String, Integer> ports(Container container) {
        return container.getPorts().stream().collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
    }

    /** The rendered environment, loaded by the bridge's own config loader. */
    private static BridgeConfig load(Container container) {
        return BridgeConfig.load(null, RenderedChart.env(container), Map.of());
    }

    @Test
    void defaultBridgeServesMqttAndHttpWithProbesOnItsManagementListener() {
        RenderedChart chart = RenderedChart.render();
        Container bridge = RenderedChart.onlyContainer(pod(chart));
        BridgeConfig config = load(bridge);

        assertThat(ports(bridge)).containsOnly(Map.entry("mqtt", config.getInt(BridgeConfig.MQTT_PORT)),
                Map.entry("http", config.getInt(BridgeConfig.HTTP_PORT)),
                Map.entry("management", config.getInt(BridgeConfig.MANAGEMENT_PORT)));
        assertThat(ports(bridge)).containsEntry("mqtt", 1883).containsEntry("http", 8080).containsEntry("management", 8090);
        // Reachable by the kubelet and Prometheus; the devices' Service does not carry it.
        assertThat(config.getString(BridgeConfig.MANAGEMENT_HOST)).isEqualTo("0.0.0.0");
        assertThat(chart.get(Service.class, "iot-pipeline-bridge").getSpec().getPorts())
                .noneMatch(port -> port.getTargetPort().getStrVal().equals("management"));
        Service management = chart.get(Service.class, "iot-pipeline-bridge-management");
        assertThat(management.getSpec().getType()).isEqualTo("ClusterIP");
        assertServiceTargetsContainerPorts(management, bridge);
        assertThat(bridge.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(bridge.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        assertThat(bridge.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        for (var probe : new io.fabric8.kubernetes.api.model.Probe[] {bridge.getReadinessProbe(), bridge.getLivenessProbe(),
            bridge.getStartupProbe()}) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
        }
        assertThat(ComponentEnv.bridgeValue(config, "tls.cert.file")).isEmpty();
        assertThat(config.getString(BridgeConfig.BOOTSTRAP_SERVERS)).isEqualTo("kafka-bootstrap:9092");
        assertThat(config.producerConfig()).containsEntry("security.protocol", "PLAINTEXT");
        assertThat(config.getString(BridgeConfig.INSTANCE_ID)).isEqualTo("$(POD_NAME)");
        assertThat(RenderedChart.env(bridge)).containsEntry("POD_NAME", "field:metadata.name");
        // The default rules are bundled; no rules file is configured.
        assertThat(config.rulesFile()).isNull();

        Map<String, String> annotations = chart.deployment("bridge").getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/metrics")
                .containsEntry("prometheus.io/port", "8090");
    }

    @Test
    void deviceRegistryIsTheMountedSecretFile() {
        RenderedChart chart = RenderedChart.render();
        PodSpec pod = pod(chart);
        Path devices = load(RenderedChart.onlyContainer(pod)).devicesFile();
        Volume volume = volumeAt(pod, devices.getParent().toString());
        assertThat(volume.getSecret().getSecretName()).isEqualTo("iot-device-registry");
        assertThat(volume.getSecret().getItems()).singleElement().satisfies(item -> {
            assertThat(item.getKey()).isEqualTo("devices.json");
            assertThat(item.getPath()).isEqualTo(devices.getFileName().toString());
        });
        // A directory mount (not subPath), so the kubelet's updates reach the running bridge.
        assertThat(RenderedChart.onlyContainer(pod).getVolumeMounts()).allMatch(m -> m.getSubPath() == null);
    }

    @Test
    void tlsAndMutualTlsListenersUseTheSecretsFiles() throws Exception {
        RenderedChart chart = RenderedChart.render("tls-mtls-bridge-values.yaml");
        PodSpec pod = pod(chart);
        Container bridge = RenderedChart.onlyContainer(pod);
        BridgeConfig config = load(bridge);

        assertThat(ports(bridge)).containsOnly(Map.entry("mqtt", config.getInt(BridgeConfig.MQTT_PORT)),
                Map.entry("http", config.getInt(BridgeConfig.HTTP_PORT)),
                Map.entry("management", config.getInt(BridgeConfig.MANAGEMENT_PORT)),
                Map.entry("mqtts", Integer.parseInt(ComponentEnv.bridgeValue(config, "mqtt.tls.port"))),
                Map.entry("https", Integer.parseInt(ComponentEnv.bridgeValue(config, "https.port"))));
        assertThat(ports(bridge)).containsEntry("mqtts", 8883).containsEntry("https", 8443);
        assertThat(ComponentEnv.bridgeValue(config, "tls.client.auth")).isEqualTo("required");
        assertFileFromSecret(pod, ComponentEnv.bridgeValue(config, "tls.cert.file"), "iot-bridge-tls", "tls.crt");
        assertFileFromSecret(pod, ComponentEnv.bridgeValue(config, "tls.key.file"), "iot-bridge-tls", "tls.key");
        assertFileFromSecret(pod, ComponentEnv.bridgeValue(config, "tls.ca.file"), "iot-device-ca", "ca.crt");

        // Extra settings reach the bridge as whole numbers (Helm reads YAML numbers as floats).
        assertThat(config.getInt(BridgeConfig.MAX_PAYLOAD_BYTES)).isEqualTo(131072);
        assertThat(ComponentEnv.bridgeValue(config, "max.inflight.bytes")).isEqualTo("134217728");
        assertThat(config.producerConfig()).containsEntry("linger.ms", "10");

        Service service = chart.get(Service.class, "iot-pipeline-bridge");
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
        assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName).containsExactlyInAnyOrder("mqtt", "http", "mqtts", "https");
        assertServiceTargetsContainerPorts(service, bridge);
        assertThat(chart.deployment("bridge").getSpec().getReplicas()).isEqualTo(3);
        assertThat(chart.all(HorizontalPodAutoscaler.class)).isEmpty();
    }

    @Test
    void mappingRulesAreAFileTheBridgeParses() throws Exception {
        RenderedChart chart = RenderedChart.render("tls-mtls-bridge-values.yaml");
        PodSpec pod = pod(chart);
        Path rules = load(RenderedChart.onlyContainer(pod)).rulesFile();
        assertThat(rules).isNotNull();
        Volume volume = volumeAt(pod, rules.getParent().toString());
        ConfigMap configMap = chart.get(ConfigMap.class, volume.getConfigMap().getName());
        String json = configMap.getData().get(rules.getFileName().toString());
        MappingRules parsed = MappingRules.parse(json);
        assertThat(parsed.size()).isEqualTo(2);
        assertThat(parsed.route("legacy/dev-7/gps")).hasValueSatisfying(route -> {
            assertThat(route.deviceId()).isEqualTo("dev-7");
            assertThat(route.kafkaTopic()).isEqualTo("iot.raw.gps-tracker");
        });
        // The bridge follows its rules file: a change reaches the pods through the directory mount (no subPath, which
        // kubelet never updates), and no checksum annotation rolls them for it.
        assertThat(RenderedChart.onlyContainer(pod).getVolumeMounts()).filteredOn(mount -> mount.getName().equals(volume.getName()))
                .singleElement().satisfies(mount -> assertThat(mount.getSubPath()).isNull());
        assertThat(chart.deployment("bridge").getSpec().getTemplate().getMetadata().getAnnotations()).doesNotContainKey("checksum/config");
    }

    @Test
    void autoscalerAndDisruptionBudgetTargetTheBridge() {
        RenderedChart chart = RenderedChart.render();
        Deployment bridge = chart.deployment("bridge");
        assertThat(bridge.getSpec().getReplicas()).as("the HPA owns replicas").isNull();
        HorizontalPodAutoscaler hpa = chart.get(HorizontalPodAutoscaler.class, "iot-pipeline-bridge");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(bridge.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        PodDisruptionBudget pdb = chart.get(PodDisruptionBudget.class, "iot-pipeline-bridge");
        assertThat(bridge.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertServiceTargetsContainerPorts(chart.get(Service.class, "iot-pipeline-bridge"), RenderedChart.onlyContainer(pod(chart)));
    }

    @Test
    void saslSslKafkaSettingsReachTheProducer() {
        Container bridge = RenderedChart.onlyContainer(pod(RenderedChart.render("sasl-ssl-kafka-values.yaml")));
        Map<String, Object> producer = load(bridge).producerConfig();
        assertThat(producer).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "secret:iot-kafka-sasl/sasl.jaas.config")
                .containsEntry("ssl.truststore.type", "PEM");
        assertFileFromSecret(pod(RenderedChart.render("sasl-ssl-kafka-values.yaml")),
                producer.get("ssl.truststore.location").toString(), "iot-kafka-ca", "ca.crt");
    }

    static void assertServiceTargetsContainerPorts(Service service, Container container) {
        for (ServicePort port : service.getSpec().getPorts()) {
            assertThat(container.getPorts()).as("service port %s", port.getName())
                    .anySatisfy(p -> {
                        assertThat(p.getName()).isEqualTo(port.getTargetPort().getStrVal());
                        assertThat(p.getContainerPort()).isEqualTo(port.getPort());
                    });
        }
    }

    static Volume volumeAt(PodSpec pod, String directory) {
        Container container = pod.getContainers().get(0);
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(directory)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + directory));
        return pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
    }

    /** The file at {@code file} is key {@code key} of Secret {@code secret}. */
    static void assertFileFromSecret(PodSpec pod, String file, String secret, String key) {
        Path path = Path.of(file);
        Volume volume = volumeAt(pod, path.getParent().toString());
        assertThat(volume.getSecret()).as("volume for %s", file).isNotNull();
        assertThat(volume.getSecret().getSecretName()).isEqualTo(secret);
        if (volume.getSecret().getItems() == null || volume.getSecret().getItems().isEmpty()) {
            assertThat(path.getFileName().toString()).isEqualTo(key);
        } else {
            assertThat(volume.getSecret().getItems()).anySatisfy(item -> {
                assertThat(item.getKey()).isEqualTo(key);
                assertThat(item.getPath()).isEqualTo(path.getFileName().toString());
            });
        }
    }
}
