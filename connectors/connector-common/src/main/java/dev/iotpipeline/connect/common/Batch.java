package dev.iotpipeline.connect.common;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * One micro-batch, decoded with its own writer schema: its family, its envelope ({@code info}),
 * its deterministic id and its readings in batch order (a reading's position is its index).
 *
 * @param readingSchema the schema of every reading, as the streams app wrote it
 */
public record Batch(MeasurementFamily family, GenericRecord info, String batchId, List<GenericRecord> readings,
                    Schema readingSchema) {

    /** A reading's event time (every canonical record has the field {@code event_time}). */
    public static Instant eventTime(GenericRecord reading) {
        return (Instant) reading.get("event_time");
    }

    /** A reading's text field as a string, or null. */
    public static String text(GenericRecord reading, String field) {
        Object value = reading.get(field);
        return value == null ? null : value.toString();
    }
}
