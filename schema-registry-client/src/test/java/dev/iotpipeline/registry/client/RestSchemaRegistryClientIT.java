package dev.iotpipeline.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.compat.AvroSchemaFiles;
import dev.iotpipeline.schemas.compat.CompatibilityMode;
import dev.iotpipeline.testing.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client against the real schema registry's Confluent API. */
class RestSchemaRegistryClientIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    /** The same deliberately incompatible fixture the build's compatibility gate is tested with. */
    private static final Path INCOMPATIBLE = Path.of(System.getProperty("iot.repository.root", ".."))
            .resolve("schemas/src/test/resources/compat/EnvReading-incompatible-type.avsc");
    private static final Path RELEASED_V1 = Path.of(System.getProperty("iot.repository.root", ".."))
            .resolve("schemas/released/dev.iotpipeline.schemas.canonical.EnvReading/1.avsc");

    @Test
    void registerLookUpAndFetchById() {
        var client = RestSchemaRegistryClient.forUrl(KAFKA.registryUrl());
        Schema schema = EnvReading.getClassSchema();

        int id = client.register("lookup-value", schema);

        assertThat(client.register("lookup-value", schema)).isEqualTo(id);
        RegisteredSchema found = RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()).lookup("lookup-value", schema);
        assertThat(found.id()).isEqualTo(id);
        assertThat(found.version()).isEqualTo(1);
        assertThat(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()).schemaById(id)).isEqualTo(schema);
        assertThat(client.latest("lookup-value").id()).isEqualTo(id);
        assertThat(client.subjects()).contains("lookup-value");
    }

    @Test
    void producersRegisteringTheSameNewSchemaAtOnceAllGetItsId() throws Exception {
        Schema schema = EnvReading.getClassSchema();
        for (int round = 0; round < 5; round++) {
            String subject = "concurrent-" + round + "-value";
            var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            try {
                var ids = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
                for (int i = 0; i < 6; i++) {
                    ids.add(pool.submit(() -> RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()).register(subject, schema)));
                }
                java.util.Set<Integer> distinct = new java.util.HashSet<>();
                for (var id : ids) {
                    distinct.add(id.get());
                }
                assertThat(distinct).as(subject).hasSize(1);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theRegistryRefusesTheIncompatibleFixtureWith409AndTheClientSaysWhy() throws Exception {
        var client = RestSchemaRegistryClient.forUrl(KAFKA.registryUrl());
        // Apicurio keeps subject-level config only for subjects that exist: register first.
        client.register("compat-value", AvroSchemaFiles.parseFile(RELEASED_V1));
        client.setCompatibility("compat-value", CompatibilityMode.FULL_TRANSITIVE);
        assertThat(client.compatibility("compat-value")).isEqualTo(CompatibilityMode.FULL_TRANSITIVE);
        Schema incompatible = AvroSchemaFiles.parseFile(INCOMPATIBLE);

        CompatibilityResult check = client.testCompatibility("compat-value", incompatible);
        assertThat(check.compatible()).isFalse();

        HttpResponse<String> raw = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(KAFKA.registryUrl() + "/subjects/compat-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper()
                        .createObjectNode().put("schema", incompatible.toString()).toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(409);

        assertThatThrownBy(() -> client.register("compat-value", incompatible))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("compat-value")
                .satisfies(e -> {
                    IncompatibleSchemaException incompatibleError = (IncompatibleSchemaException) e;
                    assertThat(incompatibleError.httpStatus()).isEqualTo(409);
                    assertThat(incompatibleError.registryMessage()).isNotBlank();
                });
        assertThat(client.testCompatibility("compat-value", EnvReading.getClassSchema()).compatible()).isTrue();
    }

    @Test
    void anUnknownIdIsNamed() {
        var client = RestSchemaRegistryClient.forUrl(KAFKA.registryUrl());

        assertThatThrownBy(() -> client.schemaById(987_654))
                .isInstanceOf(UnknownSchemaIdException.class)
                .hasMessageContaining("Schema id 987654 is unknown")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).retriable()).isFalse());
    }

    @Test
    void anUnreachableFirstUrlFailsOverToTheNext() {
        var client = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(
                RegistryClientConfig.URL, "http://127.0.0.1:1/apis/ccompat/v6," + KAFKA.registryUrl())));

        assertThat(client.register("failover-value", EnvReading.getClassSchema())).isPositive();
    }
}
