package dev.iotpipeline.connect.lake;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * One micro-batch, decoded: its family, its deterministic id, and its readings as generated
 * canonical records, with the schema and data model the Parquet writer uses for them.
 */
public record DecodedBatch(MeasurementFamily family, String batchId, List<? extends SpecificRecord> readings,
                           Schema readingSchema, SpecificData model) {

    /** A reading's event time (every canonical record has the field {@code event_time}). */
    public static Instant eventTime(SpecificRecord reading) {
        return (Instant) reading.get(reading.getSchema().getField("event_time").pos());
    }
}
