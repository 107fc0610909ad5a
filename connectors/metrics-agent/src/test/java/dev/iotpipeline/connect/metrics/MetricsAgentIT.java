package dev.iotpipeline.connect.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent jar as a worker gets it: a JVM started with {@code -javaagent:metrics-agent.jar=port}
 * whose program registers MBeans shaped as a Connect worker's, scraped over HTTP, and the text
 * checked by Prometheus's own {@code promtool check metrics}.
 */
class MetricsAgentIT {

    private static final Path AGENT = Path.of(System.getProperty("metrics.agent.jar", "target/metrics-agent.jar"));

    @Test
    void aJvmStartedWithTheAgentServesItsWorkersMetricsInAFormatPrometheusTakesWithoutFindings() throws Exception {
        assertThat(AGENT).as("the shaded agent jar (mvn package)").isRegularFile();
        int port = freePort();
        Process worker = start("127.0.0.1:" + port);
        try {
            awaitRegistered(worker);
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
            HttpResponse<String> response = http.send(scrape, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            String body = response.body();
            assertThat(body).contains("iot_sink_rows_stored_total{connector=\"iot-lake-sink\",task=\"0\"} 42.0",
                    "# TYPE iot_sink_end_to_end_latency_seconds histogram",
                    "iot_sink_consumer_records_lag{client_id=\"connector-consumer-iot-lake-sink-0\",partition=\"1\","
                            + "topic=\"iot.batch.env_reading\"} 6.0",
                    "iot_connect_connector_tasks{connector=\"iot-lake-sink\",state=\"failed\"} 1.0")
                    .doesNotContain("iot_batch_env_reading");

            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            try (OutputStream in = promtool.getOutputStream()) {
                in.write(body.getBytes(StandardCharsets.UTF_8));
            }
            String findings = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor()).as("promtool check metrics: %s", findings).isZero();

            // The endpoint's threads are daemons: the worker's JVM ends when its program does.
            try (OutputStream in = worker.getOutputStream()) {
                in.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(worker.waitFor(20, TimeUnit.SECONDS)).as("the JVM ended with its program").isTrue();
            assertThat(worker.exitValue()).isZero();
        } finally {
            worker.destroyForcibly();
        }
    }

    @Test
    void aPortAlreadyTakenIsLoggedAndTheJvmRunsOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process worker = start("127.0.0.1:" + taken.getLocalPort());
            try {
                awaitRegistered(worker);
                assertThat(worker.isAlive()).isTrue();
                try (OutputStream in = worker.getOutputStream()) {
                    in.write("stop\n".getBytes(StandardCharsets.UTF_8));
                }
                assertThat(worker.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(worker.exitValue()).isZero();
                assertThat(new String(worker.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                        .contains("metrics agent not started", "Address already in use");
            } finally {
                worker.destroyForcibly();
            }
        }
    }

    private static Process start(String agentArgument) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        assertThat(Files.isExecutable(java)).isTrue();
        return new ProcessBuilder(java.toString(), "-javaagent:" + AGENT.toAbsolutePath() + "=" + agentArgument,
                "-cp", Path.of("target", "test-classes").toAbsolutePath().toString(), WorkerShapedMBeans.class.getName()).start();
    }

    private static void awaitRegistered(Process worker) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(30)).until(() -> "registered".equals(out.readLine()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
