package dev.iotpipeline.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.streams.StreamsAppMain;
import dev.iotpipeline.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The pipeline's scalable components as processes of their own, as a deployment runs them: a
 * streams app instance ({@link StreamsAppMain}, the image's entry point) and a Kafka Connect worker
 * in distributed mode ({@code ConnectDistributed}, the Connect image's), each a {@link ChildJvm}
 * on this JVM's class path, so a test can SIGKILL one and start its replacement.
 */
public final class PipelineProcesses {

    static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PipelineProcesses() {
    }

    /** A streams app instance with its own state directory and health port, on {@code dir}. */
    public static final class StreamsInstance implements AutoCloseable {
        final String name;
        final int httpPort;
        final ChildJvm jvm;

        StreamsInstance(String name, Path dir, Map<String, String> config) {
            this.name = name;
            this.httpPort = Ports.freePort(HOST);
            Map<String, String> all = new TreeMap<>(config);
            all.put("state.dir", dir.resolve("state").toAbsolutePath().toString());
            all.put("http.host", HOST);
            all.put("http.port", Integer.toString(httpPort));
            Path file = write(dir.resolve("streams.properties"), all);
            this.jvm = new ChildJvm("streams instance " + name, dir.resolve("streams.out"), "384m", Map.of(),
                    StreamsAppMain.class.getName(), List.of(file.toString()));
        }

        /** Starts the instance and waits until it reports ready (running, registry reachable). */
        StreamsInstance start() {
            jvm.launch();
            jvm.awaitReady(START_TIMEOUT, () -> status("http://" + HOST + ":" + httpPort + "/health/ready") == 200);
            return this;
        }

        @Override
        public void close() {
            jvm.close();
        }
    }

    /** A distributed-mode Connect worker of group {@code groupId}, plugins found on the class path. */
    public static final class ConnectInstance implements AutoCloseable {
        final String name;
        final int restPort;
        final ChildJvm jvm;

        /**
         * @param worker extra worker properties (they win)
         * @param spoolDir this worker's own scratch directory, given to connector configs as {@code ${env:IOT_SPOOL_DIR}}
         */
        ConnectInstance(String name, Path dir, String bootstrapServers, Map<String, String> worker, Path spoolDir) {
            this.name = name;
            this.restPort = Ports.freePort(HOST);
            Map<String, String> all = new TreeMap<>();
            all.put("bootstrap.servers", bootstrapServers);
            all.put("group.id", "iot-connect");
            all.put("config.storage.topic", "iot-connect-configs");
            all.put("offset.storage.topic", "iot-connect-offsets");
            all.put("status.storage.topic", "iot-connect-status");
            all.put("config.storage.replication.factor", "3");
            all.put("offset.storage.replication.factor", "3");
            all.put("status.storage.replication.factor", "3");
            all.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
            all.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
            all.put("listeners", "http://" + HOST + ":" + restPort);
            all.put("rest.advertised.host.name", HOST);
            all.put("rest.advertised.port", Integer.toString(restPort));
            all.put("plugin.discovery", "service_load");
            all.put("consumer.isolation.level", "read_committed");
            all.put("connector.client.config.override.policy", "All");
            all.put("config.providers", "env");
            all.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
            all.putAll(worker);
            Path file = write(dir.resolve("connect-distributed.properties"), all);
            this.jvm = new ChildJvm("Connect worker " + name, dir.resolve("connect.out"), "512m",
                    Map.of("IOT_SPOOL_DIR", spoolDir.toAbsolutePath().toString()),
                    "org.apache.kafka.connect.cli.ConnectDistributed", List.of(file.toString()));
        }

        /** Starts the worker and waits until its REST API answers (it has joined the group and read the configs). */
        ConnectInstance start() {
            jvm.launch();
            jvm.awaitReady(START_TIMEOUT, () -> status(restUrl() + "/connectors") == 200);
            return this;
        }

        String restUrl() {
            return "http://" + HOST + ":" + restPort;
        }

        /** Creates or updates a connector through this worker's REST API (forwarded to the leader). */
        void putConnector(String name, Map<String, String> config) throws Exception {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(restUrl() + "/connectors/" + name + "/config"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(new ObjectMapper().writeValueAsString(config))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT connector " + name + ": " + response.statusCode() + " " + response.body());
            }
        }

        /** The states of {@code connector}'s tasks, keyed by task id, as {@code STATE@worker}. */
        Map<Integer, String> taskStates(String connector) throws Exception {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(restUrl() + "/connectors/" + connector + "/status"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            Map<Integer, String> states = new TreeMap<>();
            if (response.statusCode() != 200) {
                return states;
            }
            for (var task : new ObjectMapper().readTree(response.body()).path("tasks")) {
                states.put(task.path("id").asInt(), task.path("state").asText() + "@" + task.path("worker_id").asText());
            }
            return states;
        }

        @Override
        public void close() {
            jvm.close();
        }
    }

    static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static Path write(Path file, Map<String, String> values) {
        Properties properties = new Properties();
        properties.putAll(values);
        try {
            Files.createDirectories(file.getParent());
            try (var out = Files.newBufferedWriter(file)) {
                properties.store(out, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
