package dev.iotpipeline.launcher.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.launcher.console.MetricsText.Sample;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the flow's numbers come from: the embedded pipeline's metrics URL (one scrape holds every
 * component), or, deployed, the Prometheus server that scrapes every pod (one instant query for the
 * series the flow reads; summing them adds up the replicas).
 */
interface MetricsSource {

    List<Sample> read(Collection<String> names) throws IOException, InterruptedException;

    HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A Prometheus text endpoint, scraped whole. */
    static MetricsSource scrape(URI metricsUrl) {
        return names -> MetricsText.parse(get(metricsUrl));
    }

    /** A Prometheus server's HTTP API ({@code /api/v1/query}), e.g. {@code http://prometheus:9090}. */
    static MetricsSource prometheus(URI prometheusUrl) {
        ObjectMapper json = new ObjectMapper();
        String base = prometheusUrl.toString().replaceAll("/+$", "");
        return names -> {
            String query = "{__name__=~\"" + String.join("|", names) + "\"}";
            JsonNode answer = json.readTree(get(URI.create(base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))));
            if (!"success".equals(answer.path("status").asText())) {
                throw new IOException("Prometheus at " + base + " answered: " + answer.path("error").asText(answer.toString()));
            }
            List<Sample> samples = new ArrayList<>();
            for (JsonNode series : answer.path("data").path("result")) {
                Map<String, String> labels = new LinkedHashMap<>();
                series.path("metric").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
                String name = labels.remove("__name__");
                try {
                    samples.add(new Sample(name, labels, Double.parseDouble(series.path("value").path(1).asText())));
                } catch (NumberFormatException e) {
                    // not a number ("NaN" parses): leave the series out
                }
            }
            return samples;
        };
    }

    private static String get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(uri + " answered " + response.statusCode());
        }
        return response.body();
    }
}
