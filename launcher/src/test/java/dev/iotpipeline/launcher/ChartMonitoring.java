package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The chart's monitoring as a test sees it: the PrometheusRule rendered into a rules file, the
 * Grafana dashboards' queries with the variables Grafana would fill in, and a real Prometheus to
 * evaluate them on.
 */
final class ChartMonitoring {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A metric name of ours or Kafka's (label values in quotes are taken out first). */
    private static final Pattern METRIC = Pattern.compile("\\b(?:iot|kafka)_[A-Za-z0-9_]+");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)");
    /** What Grafana's $__rate_interval comes to with a 1 s scrape interval, roughly. */
    private static final String RATE_INTERVAL = "1m";

    private ChartMonitoring() {
    }

    /** Renders the chart with its alert rules on, writes the PrometheusRule's spec as a rules file; alert name to expression. */
    static Map<String, String> writeRules(Path chart, Path rulesFile) throws IOException {
        String rendered = new Helm(chart).template().withName("iot-pipeline").withKubeVersion("1.31.0").set("metrics.prometheusRule.enabled", true).call();
        for (String document : rendered.split("(?m)^---\\s*$")) {
            JsonNode object = YAML.readTree(document);
            if (object != null && "PrometheusRule".equals(object.path("kind").asText())) {
                Files.writeString(rulesFile, YAML.writeValueAsString(object.get("spec")));
                Map<String, String> alerts = new LinkedHashMap<>();
                for (JsonNode group : object.at("/spec/groups")) {
                    for (JsonNode rule : group.get("rules")) {
                        alerts.put(rule.get("alert").asText(), rule.get("expr").asText());
                    }
                }
                return alerts;
            }
        }
        throw new AssertionError("no PrometheusRule in the rendered chart");
    }

    /** Every panel query of every dashboard ("file / panel / refId" to PromQL), Grafana's variables filled in. */
    static Map<String, String> dashboardQueries(Path dashboards) throws IOException {
        Map<String, String> queries = new LinkedHashMap<>();
        for (Path file : files(dashboards)) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            Map<String, String> variables = variables(dashboard);
            for (JsonNode panel : dashboard.get("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.put(file.getFileName() + " / " + panel.get("title").asText() + " / " + target.get("refId").asText(),
                            substitute(target.get("expr").asText(), variables));
                }
            }
        }
        return queries;
    }

    /** The metric each dashboard's label_values() variable reads ("file / variable" to metric name). */
    static Map<String, String> variableMetrics(Path dashboards) throws IOException {
        Map<String, String> metrics = new LinkedHashMap<>();
        for (Path file : files(dashboards)) {
            for (JsonNode variable : JSON.readTree(file.toFile()).at("/templating/list")) {
                Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
                if (variable.path("type").asText().equals("query")) {
                    assertThat(m.find()).as("%s: variable %s is a label_values() query", file, variable.get("name")).isTrue();
                    metrics.put(file.getFileName() + " / " + variable.get("name").asText(), m.group(1));
                }
            }
        }
        return metrics;
    }

    private static List<Path> files(Path dashboards) throws IOException {
        try (Stream<Path> files = Files.list(dashboards)) {
            List<Path> json = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertThat(json).as("dashboards in %s", dashboards).isNotEmpty();
            return json;
        }
    }

    /** Grafana's variables: every one matches all ('.*'), a text box keeps its default; $__rate_interval a minute. */
    private static Map<String, String> variables(JsonNode dashboard) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("__rate_interval", RATE_INTERVAL);
        for (JsonNode variable : dashboard.at("/templating/list")) {
            String type = variable.get("type").asText();
            if (type.equals("textbox")) {
                values.put(variable.get("name").asText(), variable.get("query").asText());
            } else if (!type.equals("datasource")) {
                values.put(variable.get("name").asText(), ".*");
            }
        }
        return values;
    }

    private static String substitute(String expr, Map<String, String> variables) {
        String result = expr;
        List<String> names = new ArrayList<>(variables.keySet());
        names.sort(Comparator.comparingInt(String::length).reversed()); // $connector before a $conn
        for (String name : names) {
            result = result.replace("${" + name + "}", variables.get(name)).replace("$" + name, variables.get(name));
        }
        assertThat(result).as("every Grafana variable of %s is known", expr).doesNotContainPattern("\\$[A-Za-z_{]");
        return result;
    }

    /** The iot_* and kafka_* metric names a query reads (quoted label values left out). */
    static Set<String> metricNames(String query) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(query.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\""));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** A Prometheus server scraping one target every second, with the rules file next to its config. */
    static final class Prometheus implements AutoCloseable {

        private final Process process;
        private final Path log;
        private final String base;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        private Prometheus(Process process, Path log, int port) {
            this.process = process;
            this.log = log;
            this.base = "http://127.0.0.1:" + port;
        }

        /** Its HTTP API's base URL. */
        String url() {
            return base;
        }

        /** In {@code dir}, where {@code rules.yaml} is; scraping 127.0.0.1:{@code metricsPort}. */
        static Prometheus start(Path dir, int metricsPort) throws IOException {
            Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "  evaluation_interval: 1s",
                    "rule_files:",
                    "  - rules.yaml",
                    "scrape_configs:",
                    "  - job_name: iot-pipeline",
                    "    static_configs:",
                    "      - targets: ['127.0.0.1:" + metricsPort + "']",
                    ""));
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path log = dir.resolve("prometheus.log");
            Process process = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Prometheus(process, log, port);
        }

        /** Waits until a scrape brought these metrics; every metric name Prometheus has then. */
        Set<String> awaitScraped(String... metrics) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Set<String> names = Set.of();
            while (System.nanoTime() < deadline) {
                assertThat(process.isAlive()).as("prometheus runs: %s", logText()).isTrue();
                try {
                    JsonNode values = get("/api/v1/label/__name__/values");
                    names = new HashSet<>();
                    for (JsonNode name : values.get("data")) {
                        names.add(name.asText());
                    }
                    if (names.containsAll(List.of(metrics))) {
                        return names;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            throw new AssertionError("Prometheus did not scrape " + List.of(metrics) + " within 30 s; it has " + names.size()
                    + " names. Its log:\n" + logText());
        }

        /** Null when the query evaluates, else Prometheus's error. */
        String queryError(String query) throws Exception {
            JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
            return answer.path("status").asText().equals("success") ? null
                    : answer.path("errorType").asText() + ": " + answer.path("error").asText();
        }

        /** Waits until every alert rule has been evaluated; their names, failing on a rule whose evaluation failed. */
        List<String> awaitRulesEvaluated() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                List<String> evaluated = new ArrayList<>();
                List<String> pending = new ArrayList<>();
                for (JsonNode group : get("/api/v1/rules").at("/data/groups")) {
                    for (JsonNode rule : group.get("rules")) {
                        assertThat(rule.path("health").asText()).as("%s: %s", rule.path("name").asText(), rule.path("lastError").asText())
                                .isNotEqualTo("err");
                        (rule.path("health").asText().equals("ok") ? evaluated : pending).add(rule.path("name").asText());
                    }
                }
                if (pending.isEmpty() && !evaluated.isEmpty() || System.nanoTime() > deadline) {
                    assertThat(pending).as("rules not evaluated yet").isEmpty();
                    return evaluated;
                }
                Thread.sleep(200);
            }
        }

        private JsonNode get(String path) throws IOException, InterruptedException {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        }

        private String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
