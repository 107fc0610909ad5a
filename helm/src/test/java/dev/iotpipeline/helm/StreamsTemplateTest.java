package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.streams.StreamsAppConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsTemplateTest {

    private static StreamsAppConfig load(Container container) {
        return StreamsAppConfig.load(null, RenderedChart.env(container), Map.of());
    }

    @Test
    void statefulSetKeepsTheStateDirectoryOnItsVolume() {
        RenderedChart chart = RenderedChart.render();
        StatefulSet streams = chart.statefulSet("streams");
        PodSpec pod = streams.getSpec().getTemplate().getSpec();
        Container container = RenderedChart.onlyContainer(pod);
        StreamsAppConfig config = load(container);

        String stateDir = config.stateDir().toString();
        assertThat(container.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo(stateDir);
            assertThat(streams.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
                assertThat(claim.getMetadata().getName()).isEqualTo(m.getName());
                assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("10Gi"));
            });
        });
        // Not on a pod volume that would vanish with the pod.
        assertThat(pod.getVolumes()).noneMatch(v -> container.getVolumeMounts().stream()
                .anyMatch(m -> m.getMountPath().equals(stateDir) && m.getName().equals(v.getName())));
        assertThat(streams.getSpec().getReplicas()).isEqualTo(3);
        assertThat(streams.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");

        Service headless = chart.get(Service.class, streams.getSpec().getServiceName());
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        BridgeTemplateTest.assertServiceTargetsContainerPorts(headless, container);
    }

    @Test
    void probesAndMetricsUseTheAppsHealthPort() {
        RenderedChart chart = RenderedChart.render();
        StatefulSet streams = chart.statefulSet("streams");
        Container container = RenderedChart.onlyContainer(streams.getSpec().getTemplate().getSpec());
        int port = load(container).getInt(StreamsAppConfig.HTTP_PORT);
        assertThat(port).isEqualTo(8091);
        assertThat(container.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(port);
        });
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        for (Probe probe : new Probe[] {container.getReadinessProbe(), container.getLivenessProbe(), container.getStartupProbe()}) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        }
        assertThat(streams.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("prometheus.io/port", Integer.toString(port)).containsEntry("prometheus.io/path", "/metrics");
        PodDisruptionBudget pdb = chart.get(PodDisruptionBudget.class, "iot-pipeline-streams");
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(streams.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void topicCreationFollowsTheKafkaValues() {
        StreamsAppConfig defaults = load(container(RenderedChart.render()));
        assertThat(defaults.createTopics()).isTrue();
        assertThat(defaults.getInt(StreamsAppConfig.TOPIC_PARTITIONS)).isEqualTo(6);
        assertThat(defaults.getInt(StreamsAppConfig.TOPIC_REPLICATION)).isEqualTo(3);
        assertThat(defaults.getInt(StreamsAppConfig.INTERNAL_REPLICATION)).isEqualTo(3);

        StreamsAppConfig existing = load(container(RenderedChart.render("s3-lake-values.yaml")));
        assertThat(existing.createTopics()).isFalse();
        assertThat(existing.getInt(StreamsAppConfig.TOPIC_REPLICATION)).isEqualTo(-1);
    }

    @Test
    void saslSslSettingsAndRegistryAuthReachKafkaStreams() {
        Container container = container(RenderedChart.render("sasl-ssl-kafka-values.yaml"));
        StreamsAppConfig config = load(container);
        Properties props = config.streamsProperties();
        // Kafka Streams itself accepts the result (types, enums).
        StreamsConfig streams = new StreamsConfig(props);
        assertThat(streams.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(streams.getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(3);
        assertThat(streams.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).as("a warm standby per task").isEqualTo(1);
        assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "secret:iot-kafka-sasl/sasl.jaas.config").containsEntry("max.poll.records", "500");
        assertThat(config.adminConfig()).containsEntry("security.protocol", "SASL_SSL").containsKey("ssl.truststore.location");
        assertThat(config.registryConfig()).containsEntry("basic.auth.user.info", "secret:iot-registry-auth/user-info")
                .containsEntry("schema.registry.url", "https://schema-registry:8081");
        assertThat(config.batchPolicy().maxAge().toMillis()).isEqualTo(10000);
        BridgeTemplateTest.assertFileFromSecret(RenderedChart.render("sasl-ssl-kafka-values.yaml").statefulSet("streams").getSpec()
                .getTemplate().getSpec(), config.adminConfig().get("ssl.truststore.location").toString(), "iot-kafka-ca", "ca.crt");
        // Every IOT_STREAMS_* name maps to a key the app reads.
        ComponentEnv.streamsKeys(RenderedChart.env(container));
    }

    private static Container container(RenderedChart chart) {
        return RenderedChart.onlyContainer(chart.statefulSet("streams").getSpec().getTemplate().getSpec());
    }
}
