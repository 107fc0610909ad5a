package dev.iotpipeline.registry.serde;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes generated Avro classes in the Confluent wire format, registering (or looking up) the
 * schema under the configured subject. Ids are cached by the registry client, so the registry is
 * called once per schema and subject.
 */
public class ConfluentAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private SchemaRegistryClient registry;
    private AvroSerdeConfig config;
    private boolean isKey;
    private final Map<Schema, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();
    private final Map<String, Integer> latestIds = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction: {@link #configure} connects to the registry. */
    public ConfluentAvroSerializer() {
    }

    /**
     * With a given registry client and default settings (auto-registration, topic-value subjects);
     * {@link #configure} may still change the settings.
     */
    public ConfluentAvroSerializer(SchemaRegistryClient registry) {
        this.registry = registry;
        this.config = AvroSerdeConfig.fromMap(Map.of(), false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        this.config = AvroSerdeConfig.fromMap(configs, isKey);
        if (registry == null) {
            registry = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(configs));
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            throw new IllegalStateException("ConfluentAvroSerializer used before configure()");
        }
        Schema schema = data.getSchema();
        String subject = config.subjectNameStrategy().subject(topic, isKey, schema);
        int id;
        try {
            id = schemaId(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Cannot serialize " + schema.getFullName() + " for topic " + topic
                    + " (subject " + subject + "): " + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(ConfluentWireFormat.MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer(data, schema).write(data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + schema.getFullName() + " for topic " + topic
                    + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private int schemaId(String subject, Schema schema) {
        if (config.autoRegister()) {
            return registry.register(subject, schema);
        }
        if (config.useLatestVersion()) {
            return latestIds.computeIfAbsent(subject, s -> registry.latest(s).id());
        }
        return registry.lookup(subject, schema).id();
    }

    private SpecificDatumWriter<T> writer(T data, Schema schema) {
        return writers.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForClass(data.getClass())));
    }

    /** The registry client this serializer uses. */
    public SchemaRegistryClient registry() {
        return registry;
    }
}
