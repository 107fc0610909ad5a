package dev.iotpipeline.streams.convert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.apache.avro.specific.SpecificRecord;

/**
 * For any payload (random bytes, mutated golden payloads, hostile structured ones: {@link HostilePayloads}),
 * the descriptor-driven converter and the hand-written reference converter of the same format give the
 * same canonical record, or refuse it with the same reason. Payloads with several faults included: the
 * descriptors check in the reference's order, so the first fault found is the same.
 */
class DescriptorDifferentialTest extends PerFormatProperties {

    private static final int TRIES = 1000;
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

    private static void sameOutcome(String format, byte[] payload, Instant received) {
        String[] typeAndVersion = format.split("/");
        String device = deviceOf(format);
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
