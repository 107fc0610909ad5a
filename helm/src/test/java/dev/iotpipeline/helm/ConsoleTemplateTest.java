package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The web console's Deployment: off by default; on, it reaches every store the console reads and asks for a login. */
class ConsoleTemplateTest {

    private static final Map<String, Object> ENABLED = Map.of("console.enabled", "true",
            "console.prometheusUrl", "http://prometheus-operated.monitoring:9090", "console.login.existingSecret", "console-login");

    @Test
    void offByDefault() {
        assertThat(RenderedChart.render().find(Deployment.class, "iot-pipeline-console")).isEmpty();
    }

    @Test
    void readsThePipelinesStoresAndAsksForALogin() {
        RenderedChart chart = RenderedChart.render(ENABLED);
        Deployment console = chart.deployment("console");
        PodSpec pod = console.getSpec().getTemplate().getSpec();
        Container container = RenderedChart.onlyContainer(pod);
        Map<String, String> env = RenderedChart.env(container);

        assertThat(env).containsEntry("IOT_CONSOLE_HOST", "0.0.0.0").containsEntry("IOT_CONSOLE_PORT", "8088")
                .containsEntry("IOT_CONSOLE_USER", "admin")
                .containsEntry("IOT_PROMETHEUS_URL", "http://prometheus-operated.monitoring:9090")
                .containsEntry("IOT_KAFKA_BOOTSTRAP_SERVERS", "kafka-bootstrap:9092")
                .containsEntry("IOT_SCHEMA_REGISTRY_URL", "http://schema-registry:8081")
                .containsEntry("IOT_WAREHOUSE_URL", "jdbc:postgresql://warehouse:5432/iot")
                .containsEntry("IOT_WAREHOUSE_USER", "iot")
                .containsEntry("IOT_CONSOLE_SINK_DEAD_LETTER_TOPICS", "iot.deadletter.warehouse,iot.deadletter.lake")
                .containsEntry("IOT_WAREHOUSE_PASSWORD", "secret:iot-warehouse/password") // the warehouse sink's Secret
                .doesNotContainKey("IOT_CONSOLE_MAP_TILES");
        assertThat(container.getArgs()).containsExactly("--login-password-file=/etc/iot/console-login/password",
                "--devices-file=/etc/iot/devices/devices.json");
        assertThat(container.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/etc/iot/console-login");
            assertThat(pod.getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo(m.getName());
                assertThat(v.getSecret().getSecretName()).isEqualTo("console-login");
            });
        });
        assertThat(container.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/etc/iot/devices");
            assertThat(pod.getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo(m.getName());
                assertThat(v.getSecret().getSecretName()).isEqualTo("iot-device-registry");
            });
        });
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        Service service = chart.get(Service.class, "iot-pipeline-console");
        BridgeTemplateTest.assertServiceTargetsContainerPorts(service, container);
    }

    @Test
    void aReadOnlyWarehouseUserAndMapTilesCanBeGiven() {
        Map<String, Object> values = new HashMap<>(ENABLED);
        values.put("console.warehouse.user", "analyst_ro");
        values.put("console.warehouse.existingSecret", "analyst-ro");
        values.put("console.mapTilesUrl", "https://tile.openstreetmap.org/{z}/{x}/{y}.png");
        values.put("lake.deadLetterTopic", "");
        Map<String, String> env = RenderedChart.env(RenderedChart.onlyContainer(RenderedChart.render(values).deployment("console")
                .getSpec().getTemplate().getSpec()));

        assertThat(env).containsEntry("IOT_WAREHOUSE_USER", "analyst_ro").containsEntry("IOT_WAREHOUSE_PASSWORD", "secret:analyst-ro/password")
                .containsEntry("IOT_CONSOLE_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
                .containsEntry("IOT_CONSOLE_SINK_DEAD_LETTER_TOPICS", "iot.deadletter.warehouse"); // the lake sink has none
    }

    @Test
    void refusesToRenderWithoutALoginOrPrometheusOrOnASecuredKafka() {
        Map<String, Object> noLogin = new HashMap<>(ENABLED);
        noLogin.remove("console.login.existingSecret");
        assertThatThrownBy(() -> RenderedChart.render(noLogin)).hasMessageContaining("console.login.existingSecret is required");
        Map<String, Object> noPrometheus = new HashMap<>(ENABLED);
        noPrometheus.remove("console.prometheusUrl");
        assertThatThrownBy(() -> RenderedChart.render(noPrometheus)).hasMessageContaining("console.prometheusUrl is required");
        Map<String, Object> sasl = new HashMap<>(ENABLED);
        sasl.put("kafka.securityProtocol", "SASL_SSL");
        sasl.put("kafka.sasl.existingSecret", "kafka-jaas");
        assertThatThrownBy(() -> RenderedChart.render(sasl)).hasMessageContaining("PLAINTEXT only");
    }
}
