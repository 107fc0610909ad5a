package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The chart rendered by helm-java with some values files, parsed into typed fabric8 objects. */
final class RenderedChart {

    static final Path CHART = Path.of("iot-pipeline");
    /** A release name containing the chart name, so resources are named iot-pipeline-<component>. */
    static final String RELEASE = "iot-pipeline";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    final String yaml;
    final List<HasMetadata> objects;

    private RenderedChart(String yaml, List<HasMetadata> objects) {
        this.yaml = yaml;
        this.objects = objects;
    }

    /** Renders with values files from ci/ (by file name) on top of the defaults. */
    static RenderedChart render(String... ciValuesFiles) {
        return render(Map.of(), ciValuesFiles);
    }

    static RenderedChart render(Map<String, Object> set, String... ciValuesFiles) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace("iot").withKubeVersion("1.31.0");
        for (String file : ciValuesFiles) {
            template = template.withValuesFile(CHART.resolve("ci").resolve(file));
        }
        for (Map.Entry<String, Object> entry : set.entrySet()) {
            template = template.set(entry.getKey(), entry.getValue());
        }
        String yaml = template.call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
        }
        return new RenderedChart(yaml, objects);
    }

    static String[] scenarios() {
        return new String[] {"", "tls-mtls-bridge-values.yaml", "sasl-ssl-kafka-values.yaml", "s3-lake-values.yaml",
            "volume-lake-values.yaml", "strimzi-values.yaml", "servicemonitor-values.yaml", "monitoring-values.yaml"};
    }

    static RenderedChart scenario(String file) {
        return file.isEmpty() ? render() : render(file);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("No " + type.getSimpleName() + " " + name
                + " in " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    List<GenericKubernetesResource> generic(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    Deployment deployment(String component) {
        return get(Deployment.class, RELEASE + "-" + component);
    }

    StatefulSet statefulSet(String component) {
        return get(StatefulSet.class, RELEASE + "-" + component);
    }

    ConfigMap configMap(String component) {
        return get(ConfigMap.class, RELEASE + "-" + component);
    }

    Job job(String component) {
        return get(Job.class, RELEASE + "-" + component);
    }

    /** Every pod spec of the workloads (Deployments, StatefulSets, Jobs). */
    Map<String, PodSpec> podSpecs() {
        Map<String, PodSpec> specs = new LinkedHashMap<>();
        all(Deployment.class).forEach(d -> specs.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
        all(StatefulSet.class).forEach(s -> specs.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate().getSpec()));
        all(Job.class).forEach(j -> specs.put("Job/" + j.getMetadata().getName(), j.getSpec().getTemplate().getSpec()));
        return specs;
    }

    static Container onlyContainer(PodSpec spec) {
        assertThat(spec.getContainers()).hasSize(1);
        return spec.getContainers().get(0);
    }

    /** Env as name -> value; a Secret reference becomes "secret:<name>/<key>", a field reference "field:<path>". */
    static Map<String, String> env(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : container.getEnv()) {
            String value = var.getValue();
            if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                value = "secret:" + var.getValueFrom().getSecretKeyRef().getName() + "/" + var.getValueFrom().getSecretKeyRef().getKey();
            } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
                value = "field:" + var.getValueFrom().getFieldRef().getFieldPath();
            }
            assertThat(env.put(var.getName(), value)).as("env %s set twice", var.getName()).isNull();
        }
        return env;
    }

    static Stream<String> lines(String text) {
        return Arrays.stream(text.split("\n"));
    }
}
