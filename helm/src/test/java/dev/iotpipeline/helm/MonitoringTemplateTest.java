package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.iotpipeline.streams.StreamsAppConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the chart gives a Prometheus and a Grafana: every pod scraped (the Connect workers through
 * their metrics agent), the alert rules checked and unit-tested by Prometheus's own promtool, and
 * the dashboards' ConfigMap.
 */
class MonitoringTemplateTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RATE = Pattern.compile("\\b(rate|increase)\\(([^()]|\\([^()]*\\))*\\[([^]]+)]\\)");

    /** The PrometheusRule's spec (its rule groups) as a Prometheus rules file. */
    static String rulesFile(RenderedChart chart) throws IOException {
        List<GenericKubernetesResource> rules = chart.generic("PrometheusRule");
        assertThat(rules).hasSize(1);
        assertThat(rules.get(0).getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        return YAML.writeValueAsString(rules.get(0).get("spec"));
    }

    static RenderedChart withRules(Map<String, Object> set) {
        Map<String, Object> values = new LinkedHashMap<>(set);
        values.put("metrics.prometheusRule.enabled", true);
        return RenderedChart.render(values);
    }

    private static String promtool(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s:%n%s", String.join(" ", command), output).isZero();
        return output;
    }

    @Test
    void connectWorkersServeTheirMetricsThroughTheAgentAndArePodAnnotated() {
        for (int port : new int[] {9404, 9500}) {
            RenderedChart chart = port == 9404 ? RenderedChart.render() : RenderedChart.render(Map.of("connect.metricsPort", port));
            Deployment connect = chart.deployment("connect");
            Container container = RenderedChart.onlyContainer(connect.getSpec().getTemplate().getSpec());
            assertThat(container.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                    .contains(org.assertj.core.groups.Tuple.tuple("metrics", port));
            assertThat(RenderedChart.env(container).get("KAFKA_OPTS"))
                    .isEqualTo("-Djava.io.tmpdir=/tmp -javaagent:/opt/iot/metrics-agent.jar=" + port);
            assertThat(connect.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", Integer.toString(port)).containsEntry("prometheus.io/path", "/metrics");
            Service service = chart.get(Service.class, "iot-pipeline-connect");
            assertThat(service.getSpec().getPorts()).anySatisfy(p -> {
                assertThat(p.getName()).isEqualTo("metrics");
                assertThat(p.getPort()).isEqualTo(port);
                assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics");
            });
        }
    }

    @Test
    void theDockerfileShipsTheAgentWhereTheChartLooksForIt() throws IOException {
        String dockerfile = Files.readString(Path.of("..", "connectors", "Dockerfile"));
        assertThat(dockerfile).contains("COPY metrics-agent/target/metrics-agent.jar /opt/iot/metrics-agent.jar");
    }

    @Test
    void serviceMonitorsCoverEveryComponentIncludingTheConnectWorkers() {
        RenderedChart chart = RenderedChart.render("monitoring-values.yaml");
        List<GenericKubernetesResource> monitors = chart.generic("ServiceMonitor");
        assertThat(monitors).extracting(m -> m.getMetadata().getName())
                .containsExactlyInAnyOrder("iot-pipeline-bridge", "iot-pipeline-streams", "iot-pipeline-connect");
        GenericKubernetesResource connect = monitors.stream().filter(m -> m.getMetadata().getName().equals("iot-pipeline-connect"))
                .findFirst().orElseThrow();
        Map<String, Object> selector = connect.get("spec", "selector", "matchLabels");
        assertThat(chart.all(Service.class)).filteredOn(s -> s.getMetadata().getLabels().entrySet()
                .containsAll(((Map<?, ?>) selector).entrySet())).extracting(s -> s.getMetadata().getName())
                .containsExactly("iot-pipeline-connect");
        List<Map<String, Object>> endpoints = connect.get("spec", "endpoints");
        assertThat(endpoints).singleElement().satisfies(e -> assertThat(e).containsEntry("port", "metrics").containsEntry("path", "/metrics"));
        assertThat(chart.generic("PodMonitor")).isEmpty();
    }

    @Test
    void strimziWorkersGetTheAgentThroughJavaToolOptionsAndAPodMonitor() {
        RenderedChart chart = RenderedChart.render(Map.of("metrics.serviceMonitor.enabled", true), "strimzi-values.yaml");
        GenericKubernetesResource connect = chart.generic("KafkaConnect").get(0);
        List<Map<String, Object>> env = connect.get("spec", "template", "connectContainer", "env");
        assertThat(env).anySatisfy(e -> assertThat(e).containsEntry("name", "JAVA_TOOL_OPTIONS")
                .containsEntry("value", "-javaagent:/opt/iot/metrics-agent.jar=9404"));
        assertThat(env).noneMatch(e -> e.get("name").toString().startsWith("KAFKA_"));
        Map<String, Object> annotations = connect.get("spec", "template", "pod", "metadata", "annotations");
        assertThat(annotations).containsEntry("prometheus.io/port", "9404").containsEntry("prometheus.io/scrape", "true");

        List<GenericKubernetesResource> podMonitors = chart.generic("PodMonitor");
        assertThat(podMonitors).singleElement().satisfies(monitor -> {
            assertThat((Map<String, Object>) monitor.get("spec", "selector", "matchLabels"))
                    .containsEntry("strimzi.io/cluster", connect.getMetadata().getName()).containsEntry("strimzi.io/kind", "KafkaConnect");
            List<Map<String, Object>> endpoints = monitor.get("spec", "podMetricsEndpoints");
            assertThat(endpoints).singleElement().satisfies(e -> {
                assertThat(e).containsEntry("path", "/metrics").containsEntry("port", "rest-api");
                assertThat((List<Map<String, Object>>) e.get("relabelings")).anySatisfy(r -> assertThat(r)
                        .containsEntry("targetLabel", "__address__").containsEntry("replacement", "$1:9404"))
                        .anySatisfy(r -> assertThat(r).containsEntry("targetLabel", "job").containsEntry("replacement", "iot-pipeline-connect"));
            });
        });
        assertThat(chart.generic("ServiceMonitor")).extracting(m -> m.getMetadata().getName())
                .containsExactlyInAnyOrder("iot-pipeline-bridge", "iot-pipeline-streams");
    }

    @Test
    void rulesAndDashboardsAreOffByDefault() {
        RenderedChart chart = RenderedChart.render();
        assertThat(chart.generic("PrometheusRule")).isEmpty();
        assertThat(chart.find(ConfigMap.class, "iot-pipeline-dashboards")).isEmpty();
    }

    @Test
    void alertRulesPassPromtoolCheckRules(@TempDir Path dir) throws Exception {
        for (String scenario : new String[] {"monitoring-values.yaml", "strimzi-values.yaml"}) {
            RenderedChart chart = RenderedChart.render(Map.of("metrics.prometheusRule.enabled", true), scenario);
            Files.writeString(dir.resolve("rules.yaml"), rulesFile(chart));
            assertThat(promtool(dir, "check", "rules", "rules.yaml")).as(scenario).contains("SUCCESS: 11 rules found");
        }
    }

    /** Each alert fires on the series that should make it fire, and stays quiet on the others (promtool test rules). */
    @Test
    void eachAlertFiresWhenItShouldAndOnlyThen(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("rules.yaml"), rulesFile(withRules(Map.of())));
        try (InputStream tests = MonitoringTemplateTest.class.getResourceAsStream("/monitoring/alerts-test.yaml")) {
            Files.copy(tests, dir.resolve("alerts-test.yaml"));
        }
        String output = promtool(dir, "test", "rules", "alerts-test.yaml");
        assertThat(output).contains("SUCCESS");
        // Every alert of the chart has a firing case in the test file.
        String tests = Files.readString(dir.resolve("alerts-test.yaml"));
        for (JsonNode rule : YAML.readTree(Files.readString(dir.resolve("rules.yaml"))).at("/groups/0/rules")) {
            assertThat(tests).as("a test of %s", rule.get("alert").asText()).contains("alertname: " + rule.get("alert").asText());
        }
    }

    @Test
    void everyAlertHasASeverityASummaryAndADescription() throws Exception {
        JsonNode groups = YAML.readTree(rulesFile(withRules(Map.of()))).get("groups");
        Set<String> alerts = new HashSet<>();
        for (JsonNode rule : groups.get(0).get("rules")) {
            alerts.add(rule.get("alert").asText());
            assertThat(rule.at("/labels/severity").asText()).isIn("warning", "critical");
            assertThat(rule.at("/annotations/summary").asText()).isNotBlank();
            assertThat(rule.at("/annotations/description").asText()).isNotBlank();
            assertThat(rule.get("for").asText()).matches("[0-9]+[smh]");
        }
        assertThat(alerts).containsExactlyInAnyOrder("IotDeviceTypeSilent", "IotStreamsDeadLetters", "IotSinkDeadLetters",
                "IotStreamsConsumerLag", "IotSinkConsumerLag", "IotEndToEndLatencyHigh", "IotSinkRetrying", "IotSinkTaskFailed",
                "IotBridgeDown", "IotStreamsDown", "IotConnectDown");
    }

    @Test
    void thresholdsDurationsAndSeveritiesComeFromTheValues() throws Exception {
        Map<String, JsonNode> defaults = rules(Map.of());
        // The latency threshold is the streams app's own default batch age plus the margin.
        long defaultAge = (Long) StreamsAppConfig.COMPONENT.definition().defaultValues().get(StreamsAppConfig.BATCH_MAX_AGE_MS);
        assertThat(defaults.get("IotEndToEndLatencyHigh").get("expr").asText()).endsWith("> " + (defaultAge / 1000 + 60));
        assertThat(rules(Map.of("streams.config.batch\\.max\\.age\\.ms", "30000")).get("IotEndToEndLatencyHigh").get("expr").asText())
                .endsWith("> 90");
        Map<String, JsonNode> custom = rules(Map.of("metrics.prometheusRule.endToEndLatency.batchAgeSeconds", 10,
                "metrics.prometheusRule.endToEndLatency.marginSeconds", 5, "metrics.prometheusRule.deadLetters.for", "3m",
                "metrics.prometheusRule.deadLetters.perSecond", 2, "metrics.prometheusRule.consumerLag.sinkRecords", 7,
                "metrics.prometheusRule.sinkRetries.severity", "critical", "metrics.prometheusRule.targetDown.selectors.bridge",
                "job=\"kubernetes-pods\",app_kubernetes_io_component=\"bridge\"", "metrics.prometheusRule.sinkTasksFailed.enabled", false));
        assertThat(custom.get("IotEndToEndLatencyHigh").get("expr").asText()).endsWith("> 15");
        assertThat(custom.get("IotSinkDeadLetters").get("for").asText()).isEqualTo("3m");
        assertThat(custom.get("IotSinkDeadLetters").get("expr").asText()).endsWith("> 2");
        assertThat(custom.get("IotSinkConsumerLag").get("expr").asText()).endsWith("> 7");
        assertThat(custom.get("IotSinkRetrying").at("/labels/severity").asText()).isEqualTo("critical");
        assertThat(custom.get("IotBridgeDown").get("expr").asText())
                .isEqualTo("up{job=\"kubernetes-pods\",app_kubernetes_io_component=\"bridge\"} == 0 or absent(up{job=\"kubernetes-pods\","
                        + "app_kubernetes_io_component=\"bridge\"})");
        assertThat(custom).doesNotContainKey("IotSinkTaskFailed");
        assertThat(defaults.get("IotConnectDown").get("expr").asText())
                .isEqualTo("up{job=\"iot-pipeline-connect\"} == 0 or absent(up{job=\"iot-pipeline-connect\"})");
        assertThat(rules(Map.of("connect.enabled", false))).doesNotContainKey("IotConnectDown").containsKey("IotBridgeDown");
        assertThat(rules(Map.of("streams.applicationId", "plant-7")).get("IotStreamsConsumerLag").get("expr").asText())
                .contains("client_id=~\"plant-7-.+-StreamThread-[0-9]+-consumer\"");
    }

    private static Map<String, JsonNode> rules(Map<String, Object> set) throws IOException {
        Map<String, JsonNode> byAlert = new LinkedHashMap<>();
        for (JsonNode rule : YAML.readTree(rulesFile(withRules(set))).at("/groups/0/rules")) {
            byAlert.put(rule.get("alert").asText(), rule);
        }
        return byAlert;
    }

    @Test
    void dashboardsConfigMapCarriesTheSidecarLabelAndEveryDashboardQueriesPrometheus() throws Exception {
        RenderedChart chart = RenderedChart.render("monitoring-values.yaml");
        ConfigMap dashboards = chart.configMap("dashboards");
        assertThat(dashboards.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboards.getMetadata().getAnnotations()).containsEntry("grafana_folder", "IoT pipeline");
        try (var files = Files.list(RenderedChart.CHART.resolve("dashboards"))) {
            assertThat(dashboards.getData().keySet()).containsExactlyInAnyOrderElementsOf(
                    files.map(f -> f.getFileName().toString()).toList());
        }
        assertThat(dashboards.getData()).hasSizeGreaterThanOrEqualTo(4);
        Set<String> uids = new HashSet<>();
        for (Map.Entry<String, String> file : dashboards.getData().entrySet()) {
            JsonNode dashboard = JSON.readTree(file.getValue());
            assertThat(uids.add(dashboard.get("uid").asText())).as("uid of %s unique", file.getKey()).isTrue();
            assertThat(dashboard.at("/templating/list/0/name").asText()).isEqualTo("datasource");
            assertThat(dashboard.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
            int queries = 0;
            for (JsonNode panel : dashboard.get("panels")) {
                if (panel.get("type").asText().equals("row")) {
                    continue;
                }
                String title = file.getKey() + " / " + panel.get("title").asText();
                assertThat(panel.at("/datasource/uid").asText()).as(title).isEqualTo("${datasource}");
                assertThat(panel.get("targets")).as(title).isNotEmpty();
                for (JsonNode target : panel.get("targets")) {
                    String expr = target.get("expr").asText();
                    assertThat(expr).as(title).isNotBlank();
                    Matcher rate = RATE.matcher(expr);
                    while (rate.find()) {
                        if (rate.group(1).equals("rate")) {
                            assertThat(rate.group(3)).as("%s: rate() over $__rate_interval", title).isEqualTo("$__rate_interval");
                        }
                    }
                    queries++;
                }
            }
            assertThat(queries).as(file.getKey()).isGreaterThan(3);
        }
        RenderedChart other = RenderedChart.render(Map.of("metrics.dashboards.enabled", true, "metrics.dashboards.label", "dashboards",
                "metrics.dashboards.labelValue", "iot"));
        assertThat(other.configMap("dashboards").getMetadata().getLabels()).containsEntry("dashboards", "iot")
                .doesNotContainKey("grafana_dashboard");
        assertThat(other.configMap("dashboards").getMetadata().getAnnotations()).isNullOrEmpty();
    }
}
