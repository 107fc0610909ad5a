package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.IsoOffsetTimes;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import dev.iotpipeline.streams.convert.RawReading;
import java.time.Instant;

/** How a payload writes its event time; every encoding is checked against the reading's event-time window. */
enum TimeEncoding {
    EPOCH_SECONDS("epoch-seconds"),
    EPOCH_MILLIS("epoch-millis"),
    ISO_8601("iso-8601");

    final String key;

    TimeEncoding(String key) {
        this.key = key;
    }

    /** Epoch milliseconds of {@code value} (a {@code Long}, or a {@code String} for ISO-8601). */
    long decode(String field, Object value, RawReading reading) throws InvalidPayloadException {
        return switch (this) {
            case EPOCH_SECONDS -> {
                long seconds = (Long) value;
                if (seconds < 0) {
                    throw InvalidPayloadException.invalid(field, "negative epoch seconds " + seconds);
                }
                yield PhysicalLimits.eventTimeOfEpochSeconds(seconds, reading);
            }
            case EPOCH_MILLIS -> {
                long millis = (Long) value;
                if (millis < 0) {
                    throw InvalidPayloadException.invalid(field, "negative epoch milliseconds " + millis);
                }
                yield PhysicalLimits.eventTime(Instant.ofEpochMilli(millis), reading);
            }
            case ISO_8601 -> PhysicalLimits.eventTime(IsoOffsetTimes.parseOffsetTime(field, (String) value), reading);
        };
    }
}
