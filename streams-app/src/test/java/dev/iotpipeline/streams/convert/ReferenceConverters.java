package dev.iotpipeline.streams.convert;

import dev.iotpipeline.streams.convert.env.EnvSensorV1JsonConverter;
import dev.iotpipeline.streams.convert.env.EnvSensorV2JsonConverter;
import dev.iotpipeline.streams.convert.env.EnvSensorV3BinaryConverter;
import dev.iotpipeline.streams.convert.gps.GpsTrackerV1TextConverter;
import dev.iotpipeline.streams.convert.gps.GpsTrackerV2JsonConverter;
import java.util.List;

/**
 * The hand-written converters the app served before format descriptors, kept unchanged as the
 * reference implementation: the differential test and the benchmark compare the descriptors with them.
 */
public final class ReferenceConverters {

    private ReferenceConverters() {
    }

    public static List<FormatConverter> all() {
        return List.of(new EnvSensorV1JsonConverter(), new EnvSensorV2JsonConverter(), new EnvSensorV3BinaryConverter(),
                new GpsTrackerV1TextConverter(), new GpsTrackerV2JsonConverter());
    }

    public static ConverterRegistry registry() {
        return new ConverterRegistry(all());
    }
}
