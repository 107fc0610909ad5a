package dev.iotpipeline.connect.common;

import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import dev.iotpipeline.registry.serde.ConfluentWireFormat;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes a batch in the Confluent wire format with its own writer schema from the registry, not
 * a compiled one: both sinks see every field the streams app wrote, so a field added to the
 * canonical schema reaches the warehouse as a new column and the lake as a new Parquet column
 * without a rebuild. Timestamps decode to {@link java.time.Instant}s ({@link #MODEL}); text decodes
 * to {@link org.apache.avro.util.Utf8} (its UTF-8 bytes as read, whatever string type the writer
 * asked for), which both stores write as bytes without decoding and encoding each value again; use
 * {@link Batch#text} or {@code toString()} for a {@code String}.
 */
public final class BatchDecoder {

    /** The data model of decoded batches: generic records with timestamp-millis as Instants. */
    public static final GenericData MODEL = model();

    private static final Pattern JAVA_STRING = Pattern.compile(Pattern.quote(",\"" + GenericData.STRING_PROP
            + "\":\"String\""));

    private final SchemaRegistryClient registry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();
    private BinaryDecoder reuse;

    public BatchDecoder(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    /**
     * @throws org.apache.kafka.common.errors.SerializationException not in the wire format
     * @throws SchemaRegistryException an unknown schema id, or the registry unavailable (see {@link #registryUnavailable})
     * @throws IllegalArgumentException a tombstone, invalid Avro, or a value that is not a micro-batch
     */
    public Batch decode(String topic, byte[] payload) {
        if (payload == null) {
            throw new IllegalArgumentException("the record has no value (a tombstone is not a batch)");
        }
        int id = ConfluentWireFormat.schemaId(topic, payload);
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, key -> {
            Schema writer = registry.schemaById(key);
            return new GenericDatumReader<>(writer, withUtf8Text(writer), MODEL);
        });
        Schema schema = reader.getSchema();
        if (schema.getType() != Schema.Type.RECORD || schema.getField("info") == null || schema.getField("records") == null) {
            throw new IllegalArgumentException("schema " + schema.getFullName() + " on topic " + topic
                    + " is not a micro-batch (needs fields info and records)");
        }
        GenericRecord batch;
        try {
            reuse = DecoderFactory.get().binaryDecoder(payload, ConfluentWireFormat.HEADER_LENGTH,
                    payload.length - ConfluentWireFormat.HEADER_LENGTH, reuse);
            batch = reader.read(null, reuse);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not valid Avro for schema id " + id + ": " + e.getMessage(), e);
        }
        return batch(batch);
    }

    private static Batch batch(GenericRecord batch) {
        GenericRecord info = (GenericRecord) batch.get("info");
        String batchId = Batch.text(info, "batch_id");
        String familyName = Batch.text(info, "family");
        MeasurementFamily family = MeasurementFamily.byName(familyName).orElseThrow(() ->
                new IllegalArgumentException("batch " + batchId + " has unknown family '" + familyName + "'"));
        Schema readingSchema = batch.getSchema().getField("records").schema().getElementType();
        if (!readingSchema.getName().equals(expectedRecord(family))) {
            throw new IllegalArgumentException("batch " + batchId + " says family '" + familyName + "' but holds "
                    + readingSchema.getFullName() + " records");
        }
        @SuppressWarnings("unchecked")
        List<GenericRecord> readings = (List<GenericRecord>) batch.get("records");
        return new Batch(family, info, batchId, readings, readingSchema);
    }

    /**
     * The writer schema without {@code "avro.java.string": "String"} (set by the streams app's
     * compiled classes), so text reads as Utf8 instead of a String per value.
     */
    static Schema withUtf8Text(Schema writer) {
        String json = writer.toString();
        String plain = JAVA_STRING.matcher(json).replaceAll("");
        return plain.equals(json) ? writer : new Schema.Parser().parse(plain);
    }

    private static String expectedRecord(MeasurementFamily family) {
        return family == MeasurementFamily.ENV_READING ? "EnvReading" : "Position";
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

    private static GenericData model() {
        GenericData model = new GenericData();
        model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        return model;
    }
}
