package dev.iotpipeline.registry.serde;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Deserializes the Confluent wire format into generated Avro classes: the writer schema is fetched
 * by the id in the payload (cached), and resolved against the target class's schema, so data
 * written with an older or newer compatible schema decodes into the current class.
 */
public class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private SchemaRegistryClient registry;
    private Class<T> targetType;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction: the target class comes from {@code specific.avro.*.type} or the writer schema. */
    public ConfluentAvroDeserializer() {
    }

    /** With a given registry client and target class (null: the class named by the writer schema). */
    public ConfluentAvroDeserializer(SchemaRegistryClient registry, Class<T> targetType) {
        this.registry = registry;
        this.targetType = targetType;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = AvroSerdeConfig.fromMap(configs, isKey);
        if (targetType == null && config.specificType() != null) {
            targetType = (Class<T>) config.specificType();
        }
        if (registry == null) {
            registry = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(configs));
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id = ConfluentWireFormat.schemaId(topic, data);
        SpecificDatumReader<T> reader;
        try {
            reader = readers.computeIfAbsent(id, this::reader);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Cannot deserialize a record on topic " + topic + " written with schema id "
                    + id + ": " + e.getMessage(), e);
        }
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(data, ConfluentWireFormat.HEADER_LENGTH,
                    data.length - ConfluentWireFormat.HEADER_LENGTH, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot decode a record on topic " + topic + " with schema id " + id
                    + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private SpecificDatumReader<T> reader(int id) {
        Schema writer = registry.schemaById(id);
        Class<?> type = targetType;
        if (type == null) {
            type = SpecificData.get().getClass(writer);
            if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
                throw new SerializationException("No generated class for " + writer.getFullName()
                        + " (schema id " + id + ") on the classpath; set specific.avro.value.type");
            }
        }
        SpecificData model = SpecificData.getForClass(type);
        return new SpecificDatumReader<>(writer, model.getSchema(type), model);
    }

    /** The registry client this deserializer uses. */
    public SchemaRegistryClient registry() {
        return registry;
    }
}
