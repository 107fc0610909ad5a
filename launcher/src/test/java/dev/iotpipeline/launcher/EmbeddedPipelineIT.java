package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.embedded.PortInUseException;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.compat.CompatibilityMode;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPipelineIT {

    @TempDir
    Path dataDir;

    @Test
    void aRestartOnTheSameDataDirectoryKeepsTopicsSchemasAndTheirIds() throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dataDir, BatchPolicy.defaults());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int id;
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(console, true, StandardCharsets.UTF_8)).start()) {
            pipeline.printEndpoints();
            try (Admin admin = admin(pipeline)) {
                admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1))).all().get();
            }
            var registry = RestSchemaRegistryClient.forUrl(pipeline.registryUrl());
            assertThat(registry.compatibility("any-subject")).isEqualTo(CompatibilityMode.FULL_TRANSITIVE);
            id = registry.register("kept-value", Position.getClassSchema());
            try (var sql = java.sql.DriverManager.getConnection(pipeline.warehouse().jdbcUrl(), "iot", "iot")) {
                sql.createStatement().execute("CREATE TABLE kept_rows AS SELECT generate_series(1, 2) AS n");
            }
        }
        String output = console.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("Kafka bootstrap servers  127.0.0.1:" + settings.kafkaPort());
        assertThat(output.lines().filter(l -> l.startsWith("READY"))).hasSize(1);

        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start();
                Admin admin = admin(pipeline)) {
            assertThat(admin.listTopics().names().get()).contains("kept", "iot.raw.env-sensor", "iot.raw.gps-tracker",
                    "iot.canonical.env_reading", "iot.batch.position", "iot.deadletter");
            assertThat(pipeline.streams().state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
            try (var sql = java.sql.DriverManager.getConnection(pipeline.warehouse().jdbcUrl(), "iot", "iot");
                    var rows = sql.createStatement().executeQuery("SELECT count(*) FROM kept_rows")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(2);
            }
            assertThat(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(pipeline.connect().restUrl() + "/connector-plugins")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            var registry = RestSchemaRegistryClient.forUrl(pipeline.registryUrl());
            assertThat(registry.schemaById(id)).isEqualTo(Position.getClassSchema());
            assertThat(registry.lookup("kept-value", Position.getClassSchema()).id()).isEqualTo(id);
        }
    }

    @Test
    void aTakenPortIsNamedAndNothingIsLeftRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int kafkaPort = Ports.freePort("127.0.0.1");
            EmbeddedSettings free = EmbeddedSettings.onFreePorts(dataDir, BatchPolicy.defaults());
            EmbeddedSettings settings = new EmbeddedSettings(dataDir, kafkaPort, free.kafkaControllerPort(),
                    taken.getLocalPort(), free.postgresPort(), free.connectPort(), free.streamsHttpPort(), free.metricsPort(), free.consolePort(), free.bridge(), BatchPolicy.defaults());

            assertThatThrownBy(() -> new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start())
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("Schema registry cannot listen on 127.0.0.1:" + taken.getLocalPort());
            // Checked before anything started: nothing listens on the other ports.
            Ports.requireFree("Kafka broker", "127.0.0.1", kafkaPort);
        }
    }

    private static Admin admin(EmbeddedPipeline pipeline) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers()));
    }
}
