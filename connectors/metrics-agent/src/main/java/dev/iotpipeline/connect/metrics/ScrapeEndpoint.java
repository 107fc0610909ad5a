package dev.iotpipeline.connect.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** {@code GET /metrics} with {@link SinkJmxMetrics} in the Prometheus text format, on the JDK's HTTP server. */
final class ScrapeEndpoint implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ScrapeEndpoint.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;

    private ScrapeEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static ScrapeEndpoint start(String host, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> daemon(r, "iot-metrics-agent"));
        server.setExecutor(executor);
        server.createContext("/metrics", ScrapeEndpoint::scrape);
        // The server's dispatcher thread takes its daemon flag from the thread that starts it: a
        // daemon, so the endpoint never keeps a stopping worker alive.
        Thread starter = daemon(server::start, "iot-metrics-agent-start");
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ScrapeEndpoint(server, executor);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int status = 200;
            try {
                PrometheusTextFormatWriter.create().write(body, SinkJmxMetrics.read());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the sinks' metrics could not be read: {0}", e.toString());
                body.reset();
                body.write(("the sinks' metrics could not be read: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                status = 500;
            }
            byte[] bytes = body.toByteArray();
            exchange.getResponseHeaders().set("Content-Type", status == 200 ? PrometheusTextFormatWriter.CONTENT_TYPE
                    : "text/plain; charset=utf-8");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
