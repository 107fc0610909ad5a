package dev.iotpipeline.connect.lake;

import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Decodes a batch envelope in the Confluent wire format into the generated batch classes, with the
 * registry client's deserializer: the writer schema comes from the registry and is resolved
 * against the compiled canonical schema, so the lake's columns are the canonical fields this
 * connector was built with (a field added later reaches the lake after a rebuild).
 */
public final class BatchDecoder {

    private final ConfluentAvroDeserializer<SpecificRecord> deserializer;

    public BatchDecoder(SchemaRegistryClient registry) {
        this.deserializer = new ConfluentAvroDeserializer<>(registry, null);
    }

    /**
     * @throws org.apache.kafka.common.errors.SerializationException not in the wire format, an
     *         unknown schema id or invalid Avro (see {@link #registryUnavailable})
     * @throws IllegalArgumentException a value that is not a micro-batch
     */
    public DecodedBatch decode(String topic, byte[] payload) {
        if (payload == null) {
            throw new IllegalArgumentException("the record has no value (a tombstone is not a batch)");
        }
        SpecificRecord value = deserializer.deserialize(topic, payload);
        if (value instanceof EnvReadingBatch batch) {
            return decoded(MeasurementFamily.ENV_READING, batch.getInfo(), batch.getRecords(), EnvReading.getClassSchema(),
                    SpecificData.getForClass(EnvReading.class));
        }
        if (value instanceof PositionBatch batch) {
            return decoded(MeasurementFamily.POSITION, batch.getInfo(), batch.getRecords(), Position.getClassSchema(),
                    SpecificData.getForClass(Position.class));
        }
        throw new IllegalArgumentException("schema " + value.getSchema().getFullName() + " on topic " + topic
                + " is not a micro-batch (EnvReadingBatch or PositionBatch)");
    }

    private static DecodedBatch decoded(MeasurementFamily family, BatchInfo info, List<? extends SpecificRecord> records,
                                        Schema schema, SpecificData model) {
        if (!family.familyName().equals(info.getFamily())) {
            throw new IllegalArgumentException("batch " + info.getBatchId() + " says family '" + info.getFamily()
                    + "' but holds " + family.familyName() + " records");
        }
        return new DecodedBatch(family, info.getBatchId(), records, schema, model);
    }

    /** Whether a decoding failure came from an unreachable or overloaded registry (worth a retry). */
    public static boolean registryUnavailable(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SchemaRegistryException registry && registry.retriable()) {
                return true;
            }
        }
        return false;
    }
}
