package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentWireFormat;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes a batch in the Confluent wire format with its own writer schema (from the registry),
 * not a compiled one, so fields added to the canonical schema reach the warehouse as new columns.
 */
public final class BatchDecoder {

    private final SchemaRegistryClient registry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

    public BatchDecoder(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    public GenericRecord decode(String topic, byte[] payload) {
        if (payload == null) {
            throw new IllegalArgumentException("the record has no value (a tombstone is not a batch)");
        }
        int id = ConfluentWireFormat.schemaId(topic, payload);
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, key -> {
            Schema writer = registry.schemaById(key);
            GenericData data = new GenericData();
            data.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.TimestampMillisConversion());
            return new GenericDatumReader<>(writer, writer, data);
        });
        try {
            GenericRecord batch = reader.read(null, DecoderFactory.get().binaryDecoder(payload,
                    ConfluentWireFormat.HEADER_LENGTH, payload.length - ConfluentWireFormat.HEADER_LENGTH, null));
            if (batch.getSchema().getField("info") == null || batch.getSchema().getField("records") == null) {
                throw new IllegalArgumentException("schema " + batch.getSchema().getFullName()
                        + " is not a micro-batch (needs fields info and records)");
            }
            return batch;
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid Avro for schema id " + id + ": " + e.getMessage(), e);
        }
    }
}
