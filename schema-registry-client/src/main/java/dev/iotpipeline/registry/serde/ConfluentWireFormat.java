package dev.iotpipeline.registry.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the
 * Avro binary encoding of the record.
 */
public final class ConfluentWireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {
    }

    /** The schema id a framed payload names; fails if the payload is not in the wire format. */
    public static int schemaId(String topic, byte[] payload) {
        if (payload.length < HEADER_LENGTH) {
            throw new SerializationException("Payload on topic " + topic + " is " + payload.length
                    + " bytes, too short for the Confluent wire format (magic byte + 4-byte schema id)");
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerializationException("Payload on topic " + topic + " starts with magic byte "
                    + payload[0] + ", not " + MAGIC_BYTE + ": it is not in the Confluent wire format");
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
