package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every workload of every scenario must satisfy. */
class WorkloadTest {

    static String[] scenarios() {
        return RenderedChart.scenarios();
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("scenarios")
    void restrictedSecurityContextResourcesAndWritableTmp(String scenario) {
        RenderedChart chart = RenderedChart.scenario(scenario);
        Map<String, PodSpec> pods = chart.podSpecs();
        assertThat(pods).isNotEmpty();
        pods.forEach((name, pod) -> {
            PodSecurityContext podContext = pod.getSecurityContext();
            assertThat(podContext.getRunAsNonRoot()).as(name).isTrue();
            assertThat(podContext.getRunAsUser()).as(name).isEqualTo(10001L);
            assertThat(podContext.getSeccompProfile().getType()).as(name).isEqualTo("RuntimeDefault");
            assertThat(pod.getAutomountServiceAccountToken()).as(name).isFalse();
            for (Container container : pod.getContainers()) {
                String what = name + "/" + container.getName();
                SecurityContext context = container.getSecurityContext();
                assertThat(context.getAllowPrivilegeEscalation()).as(what).isFalse();
                assertThat(context.getReadOnlyRootFilesystem()).as(what).isTrue();
                assertThat(context.getRunAsNonRoot()).as(what).isTrue();
                assertThat(context.getCapabilities().getDrop()).as(what).containsExactly("ALL");
                assertThat(context.getCapabilities().getAdd()).as(what).isNullOrEmpty();
                assertThat(context.getPrivileged()).as(what).isNotEqualTo(Boolean.TRUE);
                assertThat(container.getResources().getRequests()).as(what).containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits()).as(what).containsKeys("cpu", "memory");
                assertThat(container.getImage()).as(what).matches("[^:]+(:[0-9][^:]*)?:[^:/]+");
                assertThat(container.getImagePullPolicy()).as(what).isEqualTo("IfNotPresent");
                assertThat(container.getVolumeMounts()).as(what).anySatisfy(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/tmp");
                    Volume tmp = pod.getVolumes().stream().filter(v -> v.getName().equals(m.getName())).findFirst().orElseThrow();
                    assertThat(tmp.getEmptyDir()).isNotNull();
                });
            }
        });
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("scenarios")
    void environmentNamesAreKeysTheComponentsRead(String scenario) {
        RenderedChart chart = RenderedChart.scenario(scenario);
        chart.find(io.fabric8.kubernetes.api.model.apps.Deployment.class, "iot-pipeline-bridge").ifPresent(d ->
                ComponentEnv.bridgeKeys(RenderedChart.env(RenderedChart.onlyContainer(d.getSpec().getTemplate().getSpec()))));
        chart.find(io.fabric8.kubernetes.api.model.apps.StatefulSet.class, "iot-pipeline-streams").ifPresent(s ->
                ComponentEnv.streamsKeys(RenderedChart.env(RenderedChart.onlyContainer(s.getSpec().getTemplate().getSpec()))));
    }

    /** fabric8 keeps unknown fields aside instead of failing: a misspelled field (readinesProbe) lands there. */
    @ParameterizedTest(name = "[{0}]")
    @MethodSource("scenarios")
    void everyFieldIsAKubernetesField(String scenario) throws Exception {
        List<String> unknown = new ArrayList<>();
        for (HasMetadata object : RenderedChart.scenario(scenario).objects) {
            if (!(object instanceof GenericKubernetesResource)) {
                collectUnknown(object.getKind() + "/" + object.getMetadata().getName(), object, unknown);
            }
        }
        assertThat(unknown).isEmpty();
    }

    private static void collectUnknown(String path, Object model, List<String> unknown) throws Exception {
        if (model == null || !model.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : model.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = getter.invoke(model);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> map && !map.isEmpty()) {
                    unknown.add(path + ": " + map.keySet());
                }
            } else if (value instanceof Collection<?> items) {
                for (Object item : items) {
                    collectUnknown(path + "." + getter.getName().substring(3), item, unknown);
                }
            } else if (value instanceof Map<?, ?> map) {
                for (Object item : map.values()) {
                    collectUnknown(path + "." + getter.getName().substring(3), item, unknown);
                }
            } else {
                collectUnknown(path + "." + getter.getName().substring(3), value, unknown);
            }
        }
    }

    @Test
    void serviceMonitorsScrapeTheMetricsPortsOfBridgeAndStreams() {
        RenderedChart chart = RenderedChart.render("servicemonitor-values.yaml");
        List<GenericKubernetesResource> monitors = chart.generic("ServiceMonitor");
        assertThat(monitors).extracting(m -> m.getMetadata().getName())
                .containsExactlyInAnyOrder("iot-pipeline-bridge", "iot-pipeline-streams");
        // The bridge's metrics come from its management Service, never from the one devices connect to.
        Map<String, String> scraped = Map.of("iot-pipeline-bridge", "iot-pipeline-bridge-management",
                "iot-pipeline-streams", "iot-pipeline-streams");
        for (GenericKubernetesResource monitor : monitors) {
            assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
            Service service = chart.get(Service.class, scraped.get(monitor.getMetadata().getName()));
            Map<String, Object> selector = monitor.get("spec", "selector", "matchLabels");
            assertThat(service.getMetadata().getLabels()).containsAllEntriesOf((Map) selector);
            assertThat(chart.all(Service.class)).filteredOn(s -> s.getMetadata().getLabels().entrySet()
                    .containsAll(((Map<?, ?>) selector).entrySet())).extracting(s -> s.getMetadata().getName())
                    .containsExactly(service.getMetadata().getName());
            List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
            assertThat(endpoints).singleElement().satisfies(e -> {
                assertThat(e).containsEntry("path", "/metrics").containsEntry("interval", "15s");
                assertThat(service.getSpec().getPorts()).anyMatch(p -> p.getName().equals(e.get("port")));
            });
        }
        assertThat(chart.podSpecs().keySet()).noneMatch(name -> name.contains("connect"));
        chart.all(io.fabric8.kubernetes.api.model.apps.Deployment.class).forEach(d ->
                assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).doesNotContainKey("prometheus.io/scrape"));
        assertThat(RenderedChart.render().generic("ServiceMonitor")).isEmpty();
    }
}
