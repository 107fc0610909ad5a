package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.RawReading;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A format converter compiled from a descriptor ({@link FormatDescriptors#compile}): the payload is
 * decoded, the descriptor's {@code fields} are read and checked in order, then its canonical fields
 * are converted and checked in order, then the message id is made. Each step is a precompiled object
 * (paths split, offsets and units resolved, canonical field positions known), so converting a
 * reading does no lookups by name.
 */
public final class DescriptorConverter implements FormatConverter {

    private final String deviceType;
    private final String version;
    private final String sourceFormat;
    private final String file;
    private final CanonicalModel model;
    private final Decoder decoder;
    private final Step[] fields;
    private final Step[] canonical;
    private final MessageIdRule messageId;

    DescriptorConverter(String deviceType, String version, String file, CanonicalModel model, Decoder decoder,
            Step[] fields, Step[] canonical, MessageIdRule messageId) {
        this.deviceType = deviceType;
        this.version = version;
        this.sourceFormat = deviceType + "/" + version;
        this.file = file;
        this.model = model;
        this.decoder = decoder;
        this.fields = fields;
        this.canonical = canonical;
        this.messageId = messageId;
    }

    @Override
    public String deviceType() {
        return deviceType;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public String sourceFormat() {
        return sourceFormat;
    }

    /** The descriptor file this converter was compiled from. */
    public String file() {
        return file;
    }

    @Override
    public SpecificRecord convert(RawReading reading) throws InvalidPayloadException {
        Conversion conversion = new Conversion(reading, fields.length);
        decoder.decode(conversion);
        for (Step step : fields) {
            step.run(conversion);
        }
        SpecificRecordBase record = model.factory.get();
        conversion.record = record;
        for (Step step : canonical) {
            step.run(conversion);
        }
        record.put(model.messageId, messageId.of(conversion));
        record.put(model.deviceId, reading.deviceId());
        record.put(model.eventTime, Instant.ofEpochMilli(conversion.eventTime));
        record.put(model.ingestTime, reading.receiveTime());
        record.put(model.sourceFormat, sourceFormat);
        return record;
    }

    @Override
    public String toString() {
        return "DescriptorConverter[" + sourceFormat + " from " + file + "]";
    }
}
