package dev.iotpipeline.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iotpipeline.connect.metrics.SinkJmxMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every component's metrics at one URL, {@code GET /metrics} in the Prometheus text format: the
 * bridge's and the streams app's own endpoints (fetched and passed on as they are: {@code iot_bridge_*},
 * {@code iot_streams_*}, the streams app's Kafka client metrics with its consumer lag), then the
 * sinks' ({@link SinkJmxMetrics}: {@code iot_sink_*}, their consumer lag). A component that does not
 * answer is left out with a comment line, never failing the scrape of the others.
 */
final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final HttpServer server;
    private final List<URI> components;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MetricsEndpoint(HttpServer server, List<URI> components) {
        this.server = server;
        this.components = components;
    }

    /** @param components the Prometheus endpoints of the components that have their own */
    static MetricsEndpoint start(String host, int port, List<URI> components) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new IllegalStateException("The metrics endpoint cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(server, components);
        server.createContext("/metrics", endpoint::scrape);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "metrics-endpoint");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        return endpoint;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (URI component : components) {
                try {
                    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(component).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() == 200) {
                        body.write(response.body());
                    } else {
                        body.write(("# " + component + " answered HTTP " + response.statusCode() + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    body.write(("# " + component + " did not answer: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                PrometheusTextFormatWriter.create().write(body, SinkJmxMetrics.read());
            } catch (RuntimeException e) {
                LOG.warn("The sinks' metrics could not be read: {}", e.toString());
                body.write(("# the sinks' metrics could not be read: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            byte[] bytes = body.toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
