package dev.iotpipeline.streams.convert;

import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * What the per-format properties over converters draw from: each format's payloads
 * ({@link HostilePayloads#any}) and receive times, and the device a format's golden payloads name.
 */
abstract class PerFormatProperties {

    static final Instant RECEIVED = Instant.parse("2025-11-23T21:33:21Z");

    /** The device id the golden payloads of {@code format} carry. */
    static String deviceOf(String format) {
        return format.startsWith("env") ? HostilePayloads.ENV_DEVICE : HostilePayloads.GPS_DEVICE;
    }

    @Provide
    Arbitrary<byte[]> envV1() {
        return HostilePayloads.any("env-sensor/v1");
    }

    @Provide
    Arbitrary<byte[]> envV2() {
        return HostilePayloads.any("env-sensor/v2");
    }

    @Provide
    Arbitrary<byte[]> envV3() {
        return HostilePayloads.any("env-sensor/v3");
    }

    @Provide
    Arbitrary<byte[]> gpsV1() {
        return HostilePayloads.any("gps-tracker/v1");
    }

    @Provide
    Arbitrary<byte[]> gpsV2() {
        return HostilePayloads.any("gps-tracker/v2");
    }

    /** Mostly the golden arrival time (so valid readings occur), sometimes any epoch millisecond the header may carry. */
    @Provide
    Arbitrary<Instant> receiveTimes() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(RECEIVED)),
                Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L).map(Instant::ofEpochMilli)),
                Tuple.of(1, Arbitraries.longs().map(Instant::ofEpochMilli)));
    }
}
