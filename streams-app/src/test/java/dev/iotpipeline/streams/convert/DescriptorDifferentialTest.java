package dev.iotpipeline.streams.convert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.avro.specific.SpecificRecord;

/**
 * For any payload (random bytes, mutated golden payloads, hostile structured ones: {@link HostilePayloads}),
 * the descriptor-driven converter and the hand-written reference converter of the same format give the
 * same canonical record, or refuse it with the same reason. Payloads with several faults included: the
 * descriptors check in the reference's order, so the first fault found is the same.
 */
class DescriptorDifferentialTest {

    private static final int TRIES = 1000;
    private static final Instant RECEIVED = Instant.parse("2025-11-23T21:33:21Z");
    private static final ConverterRegistry DESCRIPTORS = new ConverterRegistry(ConverterRegistry.builtIn());
    private static final ConverterRegistry REFERENCE = ReferenceConverters.registry();

    @Property(tries = TRIES)
    void envSensorV1(@ForAll("envV1") byte[] payload, @ForAll("receiveTimes") Instant received) {
        sameOutcome("env-sensor/v1", payload, received);
    }

    @Property(tries = TRIES)
    void envSensorV2(@ForAll("envV2") byte[] payload, @ForAll("receiveTimes") Instant received) {
        sameOutcome("env-sensor/v2", payload, received);
    }

    @Property(tries = TRIES)
    void envSensorV3(@ForAll("envV3") byte[] payload, @ForAll("receiveTimes") Instant received) {
        sameOutcome("env-sensor/v3", payload, received);
    }

    @Property(tries = TRIES)
    void gpsTrackerV1(@ForAll("gpsV1") byte[] payload, @ForAll("receiveTimes") Instant received) {
        sameOutcome("gps-tracker/v1", payload, received);
    }

    @Property(tries = TRIES)
    void gpsTrackerV2(@ForAll("gpsV2") byte[] payload, @ForAll("receiveTimes") Instant received) {
        sameOutcome("gps-tracker/v2", payload, received);
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

    @Provide
    Arbitrary<Instant> receiveTimes() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(RECEIVED)),
                Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L).map(Instant::ofEpochMilli)),
                Tuple.of(1, Arbitraries.longs().map(Instant::ofEpochMilli)));
    }

    private static void sameOutcome(String format, byte[] payload, Instant received) {
        String[] typeAndVersion = format.split("/");
        String device = format.startsWith("env") ? HostilePayloads.ENV_DEVICE : HostilePayloads.GPS_DEVICE;
        RawReading reading = new RawReading(payload, device, received);
        Object expected = outcome(REFERENCE.find(typeAndVersion[0], typeAndVersion[1]).orElseThrow(), reading);
        Object actual = outcome(DESCRIPTORS.find(typeAndVersion[0], typeAndVersion[1]).orElseThrow(), reading);
        Statistics.label("outcome").collect(expected instanceof String reason ? reason.replaceAll(":.*", "") : "converted");
        assertThat(actual).as(format + " of " + new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1))
                .isEqualTo(expected);
    }

    /** The record, or the refusal's reason as a string. */
    private static Object outcome(FormatConverter converter, RawReading reading) {
        try {
            SpecificRecord record = converter.convert(reading);
            return record;
        } catch (InvalidPayloadException e) {
            return e.reason();
        }
    }
}
