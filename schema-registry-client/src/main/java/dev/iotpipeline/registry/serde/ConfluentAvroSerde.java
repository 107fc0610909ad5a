package dev.iotpipeline.registry.serde;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A {@link Serde} for one generated Avro class in the Confluent wire format. */
public class ConfluentAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;
    private ConfluentAvroSerializer<T> serializer;
    private ConfluentAvroDeserializer<T> deserializer;

    /** Connects to the registry named in the configuration passed to {@link #configure}. */
    public ConfluentAvroSerde(Class<T> type) {
        this.type = type;
    }

    /** Uses the given registry client (for example one shared by every serde of an application). */
    public ConfluentAvroSerde(SchemaRegistryClient registry, Class<T> type) {
        this.type = type;
        bind(registry);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (serializer == null) {
            // One client, so the serializer and deserializer share the id and schema caches.
            bind(new RestSchemaRegistryClient(RegistryClientConfig.fromMap(configs)));
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    private void bind(SchemaRegistryClient registry) {
        serializer = new ConfluentAvroSerializer<>(registry);
        deserializer = new ConfluentAvroDeserializer<>(registry, type);
    }

    @Override
    public Serializer<T> serializer() {
        requireConfigured();
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        requireConfigured();
        return deserializer;
    }

    private void requireConfigured() {
        if (serializer == null) {
            throw new IllegalStateException("ConfluentAvroSerde for " + type.getName()
                    + " has no registry yet: call configure() with schema.registry.url, or pass a client");
        }
    }
}
