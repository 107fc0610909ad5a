package dev.iotpipeline.streams.convert;

import org.apache.avro.specific.SpecificRecord;

/**
 * Converts the payload of one device type's format version into its canonical record. A pure
 * function: no Kafka types, no I/O, no clock; everything it needs is in the {@link RawReading}.
 *
 * <p>New format versions plug in through {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.iotpipeline.streams.convert.FormatConverter}.
 */
public interface FormatConverter {

    /** Device type this converter reads, e.g. {@code env-sensor}. */
    String deviceType();

    /** Payload format version this converter reads, e.g. {@code v3}. */
    String version();

    /**
     * Returns the canonical record ({@code EnvReading} or {@code Position}).
     *
     * @throws InvalidPayloadException with a stable reason code when the payload cannot become a
     *     canonical record
     */
    SpecificRecord convert(RawReading reading) throws InvalidPayloadException;

    /** The {@code source_format} written into canonical records, e.g. {@code env-sensor/v3}. */
    default String sourceFormat() {
        return deviceType() + "/" + version();
    }
}
