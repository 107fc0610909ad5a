package dev.iotpipeline.launcher;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Option;

/** Where the operator subcommands find Kafka and the registry (a running './pipeline up' by default). */
public final class KafkaOptions {

    @Option(names = "--kafka", defaultValue = "${env:IOT_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (env IOT_KAFKA_BOOTSTRAP_SERVERS, default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--registry", defaultValue = "${env:IOT_SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v6}",
            description = "Schema registry URL (env IOT_SCHEMA_REGISTRY_URL, default ${DEFAULT-VALUE}).")
    String registryUrl;

    /** Kafka and the registry at these addresses (the console's; the commands get theirs from options). */
    public static KafkaOptions of(String bootstrapServers, String registryUrl) {
        KafkaOptions options = new KafkaOptions();
        options.bootstrapServers = bootstrapServers;
        options.registryUrl = registryUrl;
        return options;
    }

    /** Writes one Avro record and waits until Kafka has it. */
    public <T extends SpecificRecord> void send(String topic, String key, T value) throws InterruptedException {
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers,
                "acks", "all", "enable.idempotence", true, "max.block.ms", 15_000, "delivery.timeout.ms", 45_000,
                "schema.registry.url", registryUrl),
                new StringSerializer(), new ConfluentAvroSerializer<T>(RestSchemaRegistryClient.forUrl(registryUrl)))) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not take the record: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }
}
