package dev.iotpipeline.streams.convert.descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iotpipeline.streams.convert.RawReading;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The state of converting one reading: the decoded payload, the values of the descriptor's
 * {@code fields} by slot, the event time once known, and the canonical record being filled.
 */
final class Conversion {

    final RawReading reading;
    final Object[] values;
    /** The payload as parsed JSON (json descriptors). */
    JsonNode json;
    /** The payload's stripped columns (delimited descriptors). */
    String[] columns;
    /** The payload bytes (binary descriptors). */
    byte[] bytes;
    /** Epoch milliseconds, once the event-time field was read. */
    long eventTime;
    SpecificRecordBase record;

    Conversion(RawReading reading, int slots) {
        this.reading = reading;
        this.values = new Object[slots];
    }
}
