package dev.iotpipeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaRegistryServerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String SCHEMA = schema("R");

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void idsAndSchemasSurviveARestartOnTheSameStorage() throws Exception {
        SchemaRegistryServer.Settings settings = new SchemaRegistryServer.Settings(SchemaRegistryServer.locateRunnerJar(),
                "127.0.0.1", Ports.freePort("127.0.0.1"), Optional.of(dir.resolve("registry")), dir.resolve("registry.log"));
        String registered;
        try (SchemaRegistryServer registry = new SchemaRegistryServer(settings).start(TIMEOUT)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(registry.confluentApiUrl() + "/subjects/restart-value/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(SCHEMA)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            registered = response.body();
        }
        String id = registered.replaceAll("\\D", "");

        try (SchemaRegistryServer registry = new SchemaRegistryServer(settings).start(TIMEOUT)) {
            HttpResponse<String> byId = http.send(HttpRequest.newBuilder(
                    URI.create(registry.confluentApiUrl() + "/schemas/ids/" + id)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(byId.statusCode()).isEqualTo(200);
            assertThat(byId.body()).contains("\\\"name\\\":\\\"R\\\"");
            HttpResponse<String> subjects = http.send(HttpRequest.newBuilder(
                    URI.create(registry.confluentApiUrl() + "/subjects")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.body()).contains("restart-value");
        }
    }

    /**
     * A registry killed with SIGKILL right after it answered a registration (no shutdown, no
     * flush) still has that schema under that id when it comes back, gives the same id when the
     * schema is registered again, and never hands the id to another schema: a reader that took
     * the id from a record on a topic still finds the right schema.
     */
    @Test
    void anAnsweredRegistrationSurvivesASigkill() throws Exception {
        SchemaRegistryServer.Settings settings = new SchemaRegistryServer.Settings(SchemaRegistryServer.locateRunnerJar(),
                "127.0.0.1", Ports.freePort("127.0.0.1"), Optional.of(dir.resolve("registry")), dir.resolve("registry.log"));
        SchemaRegistryServer first = new SchemaRegistryServer(settings).start(TIMEOUT);
        int id;
        try {
            id = register(first, "killed-value", SCHEMA);
            ProcessHandle process = ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("registry/registry.pid")).trim()))
                    .orElseThrow();
            process.destroyForcibly(); // SIGKILL
            process.onExit().get(30, TimeUnit.SECONDS);
        } finally {
            first.close();
        }

        try (SchemaRegistryServer registry = new SchemaRegistryServer(settings).start(TIMEOUT)) {
            HttpResponse<String> byId = http.send(HttpRequest.newBuilder(
                    URI.create(registry.confluentApiUrl() + "/schemas/ids/" + id)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(byId.statusCode()).as("the id answered before the kill").isEqualTo(200);
            assertThat(byId.body()).contains("\\\"name\\\":\\\"R\\\"");
            assertThat(register(registry, "killed-value", SCHEMA)).as("the same schema again").isEqualTo(id);
            assertThat(register(registry, "other-value", schema("Other"))).as("another schema").isNotEqualTo(id);
        }
    }

    @Test
    void aTakenPortFailsWithAnErrorNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            SchemaRegistryServer registry = new SchemaRegistryServer(new SchemaRegistryServer.Settings(
                    SchemaRegistryServer.locateRunnerJar(), "127.0.0.1", taken.getLocalPort(), Optional.empty(),
                    dir.resolve("registry.log")));

            assertThatThrownBy(() -> registry.start(TIMEOUT))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("Schema registry cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    private int register(SchemaRegistryServer registry, String subject, String schema) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(registry.confluentApiUrl() + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(schema)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Integer.parseInt(response.body().replaceAll("\\D", ""));
    }

    /** A registration body: a record {@code name} with one int field. */
    private static String schema(String name) {
        return "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"" + name + "\\\","
                + "\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"int\\\"}]}\"}";
    }
}
