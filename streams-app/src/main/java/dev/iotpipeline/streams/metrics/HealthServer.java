package dev.iotpipeline.streams.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code /health/live} (200 unless the instance failed or stopped), {@code /health/ready} (200
 * while running or rebalancing and not paused by an outage; the JSON body names the cause) and
 * {@code /metrics} (Prometheus text format), and {@code /formats} (JSON: the format versions
 * converted now, each with its origin and revision).
 */
public final class HealthServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;

    private HealthServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param notReadyCause why the instance cannot process although Kafka Streams runs (a paused
     *     outage), if it cannot
     */
    public static HealthServer start(String host, int port, KafkaStreams streams, Supplier<Optional<String>> notReadyCause,
                                     PrometheusMeterRegistry meters) {
        return start(host, port, streams, notReadyCause, meters, List::of);
    }

    /**
     * @param formats the formats in force, one map per format ({@code format}, {@code origin},
     *     {@code revision}, ...), served as a JSON array on {@code /formats}
     */
    public static HealthServer start(String host, int port, KafkaStreams streams, Supplier<Optional<String>> notReadyCause,
                                     PrometheusMeterRegistry meters, Supplier<List<Map<String, Object>>> formats) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (BindException e) {
            throw new IllegalStateException("Port " + port + " on " + host + " for the streams app's health endpoint is taken"
                    + " (http.port / IOT_STREAMS_HTTP_PORT)", e);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot serve health on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        server.createContext("/health/live", exchange -> {
            KafkaStreams.State state = streams.state();
            boolean live = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR
                    && state != KafkaStreams.State.NOT_RUNNING;
            respond(exchange, live ? 200 : 503, "{\"state\":\"" + state + "\"}", "application/json");
        });
        server.createContext("/health/ready", exchange -> {
            KafkaStreams.State state = streams.state();
            Optional<String> cause = notReadyCause.get();
            String body = cause.isPresent()
                    ? JSON.createObjectNode().put("state", state.name()).put("ready", false).put("cause", cause.get()).toString()
                    : JSON.createObjectNode().put("state", state.name()).put("ready", state.isRunningOrRebalancing()).toString();
            respond(exchange, state.isRunningOrRebalancing() && cause.isEmpty() ? 200 : 503, body, "application/json");
        });
        server.createContext("/formats", exchange -> respond(exchange, 200, JSON.writeValueAsString(formats.get()),
                "application/json"));
        server.createContext("/metrics", exchange -> respond(exchange, 200, meters.scrape(),
                "text/plain; version=0.0.4; charset=utf-8"));
        server.start();
        return new HealthServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
