package dev.iotpipeline.streams.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.apache.avro.specific.SpecificRecord;

/**
 * Whatever a device sends, each converter returns a canonical record within the physical and text
 * limits, or refuses it with {@link InvalidPayloadException} and a documented reason; never any
 * other exception, and never unbounded work (measured as bytes allocated by the converting thread,
 * which is what an exponent of a billion or a billion-character message costs).
 */
class ConverterFuzzTest extends PerFormatProperties {

    private static final int TRIES = 400;
    /** Far above what a 64 KiB payload needs (about 1 MiB), far below what the unbounded cases took (the heap). */
    private static final long MAX_ALLOCATED_BYTES = 16L * 1024 * 1024;
    private static final Pattern DOCUMENTED_REASON = Pattern.compile("malformed-json|malformed-text|bad-length|bad-magic"
            + "|bad-crc|device-id-mismatch|missing-field:[A-Za-z.]+|invalid-field:[A-Za-z.]+|out-of-range:[a-z_]+");
    private static final ConverterRegistry CONVERTERS = new ConverterRegistry(ConverterRegistry.builtIn());
    private static final Set<String> WARM = ConcurrentHashMap.newKeySet();
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Property(tries = TRIES)
    void envSensorV1(@ForAll("envV1") byte[] payload, @ForAll("receiveTimes") Instant received) {
        convertsOrRefuses("env-sensor/v1", payload, received);
        reachesValidReadings();
    }

    @Property(tries = TRIES)
    void envSensorV2(@ForAll("envV2") byte[] payload, @ForAll("receiveTimes") Instant received) {
        convertsOrRefuses("env-sensor/v2", payload, received);
        reachesValidReadings();
    }

    @Property(tries = TRIES)
    void envSensorV3(@ForAll("envV3") byte[] payload, @ForAll("receiveTimes") Instant received) {
        convertsOrRefuses("env-sensor/v3", payload, received);
        reachesValidReadings();
    }

    @Property(tries = TRIES)
    void gpsTrackerV1(@ForAll("gpsV1") byte[] payload, @ForAll("receiveTimes") Instant received) {
        convertsOrRefuses("gps-tracker/v1", payload, received);
        reachesValidReadings();
    }

    @Property(tries = TRIES)
    void gpsTrackerV2(@ForAll("gpsV2") byte[] payload, @ForAll("receiveTimes") Instant received) {
        convertsOrRefuses("gps-tracker/v2", payload, received);
        reachesValidReadings();
    }

    /** The generators must reach valid readings too, or the limits of accepted records would go untested. */
    private static void reachesValidReadings() {
        Statistics.label("outcome").coverage(coverage -> coverage.check("converted").percentage(p -> p >= 2));
    }

    private static void convertsOrRefuses(String format, byte[] payload, Instant received) {
        FormatConverter converter = CONVERTERS.find(format.split("/")[0], format.split("/")[1]).orElseThrow();
        String device = deviceOf(format);
        warmUp(format, converter, device);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        SpecificRecord record = null;
        InvalidPayloadException refusal = null;
        try {
            record = converter.convert(new RawReading(payload, device, received));
        } catch (InvalidPayloadException e) {
            refusal = e;
        } catch (Throwable e) {
            fail(format + " threw " + e + " instead of InvalidPayloadException", e);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as(format + ": bytes allocated for a " + payload.length + " byte payload")
                .isLessThan(MAX_ALLOCATED_BYTES);
        Statistics.label("outcome").collect(refusal == null ? "converted" : refusal.reason().replaceAll(":.*", ""));
        if (refusal != null) {
            assertThat(refusal.reason()).as("reason").matches(DOCUMENTED_REASON);
            assertThat(refusal.getMessage()).as("message").isNotBlank().hasSizeLessThan(20_000);
        } else {
            withinLimits(record, converter, device, received);
        }
    }

    /** Converts the golden payloads once, so class loading and Avro schema set-up are not counted as per-input work. */
    private static void warmUp(String format, FormatConverter converter, String device) {
        if (WARM.add(format)) {
            for (byte[] golden : HostilePayloads.golden(format)) {
                try {
                    converter.convert(new RawReading(golden, device, RECEIVED));
                } catch (InvalidPayloadException e) {
                    throw new AssertionError("a golden valid payload of " + format + " is refused", e);
                }
            }
        }
    }

    private static void withinLimits(SpecificRecord record, FormatConverter converter, String device, Instant received) {
        if (record instanceof EnvReading env) {
            assertThat(env.getDeviceId()).isEqualTo(device);
            assertThat(env.getSourceFormat()).isEqualTo(converter.sourceFormat());
            assertThat(env.getIngestTime()).isEqualTo(received);
            eventTime(env.getEventTime(), received);
            between(env.getTemperatureC(), -80, 150);
            between(env.getHumidityPct(), 0, 100);
            between(env.getBatteryPct(), 0, 100);
            between(env.getBatteryV(), 0, 100);
            text(env.getMessageId(), TextFields.MAX_MESSAGE_ID);
            if (env.getFirmware() != null) {
                text(env.getFirmware(), TextFields.MAX_FIRMWARE);
            }
        } else if (record instanceof Position position) {
            assertThat(position.getDeviceId()).isEqualTo(device);
            assertThat(position.getSourceFormat()).isEqualTo(converter.sourceFormat());
            assertThat(position.getIngestTime()).isEqualTo(received);
            eventTime(position.getEventTime(), received);
            between(position.getLatitude(), -90, 90);
            between(position.getLongitude(), -180, 180);
            between(position.getSpeedMps(), 0, Double.MAX_VALUE);
            between(position.getHeadingDeg(), 0, 360);
            between(position.getAccuracyM(), 0, Double.MAX_VALUE);
            text(position.getMessageId(), TextFields.MAX_MESSAGE_ID);
        } else {
            fail("not a canonical record: " + record);
        }
    }

    private static void eventTime(Instant time, Instant received) {
        assertThat(time).isAfterOrEqualTo(PhysicalLimits.DEFAULT_EVENT_TIME_FLOOR)
                .isBeforeOrEqualTo(received.plus(PhysicalLimits.MAX_EVENT_TIME_AHEAD));
    }

    private static void between(Double value, double min, double max) {
        if (value != null) {
            assertThat(value).isFinite().isBetween(min, max);
        }
    }

    private static void text(String value, int maxLength) {
        assertThat(value).isNotEmpty().hasSizeLessThanOrEqualTo(maxLength);
        assertThat(value.chars().noneMatch(c -> Character.isISOControl(c) || Character.isSurrogate((char) c)))
                .as("no control characters or surrogates in " + value).isTrue();
    }
}
