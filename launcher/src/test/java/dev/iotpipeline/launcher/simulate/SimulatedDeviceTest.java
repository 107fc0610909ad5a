package dev.iotpipeline.launcher.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.RawReading;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the simulator sends is what the contract describes: the real converters accept or refuse it. */
class SimulatedDeviceTest {

    private static final ConverterRegistry CONVERTERS = new ConverterRegistry(ConverterRegistry.builtIn());

    @ParameterizedTest
    @ValueSource(strings = {"env-sensor/v1", "env-sensor/v2", "env-sensor/v3", "gps-tracker/v1", "gps-tracker/v2"})
    void everyGoodReadingConvertsAndEveryBadOneIsRefused(String format) throws Exception {
        SimulatedDevice device = new SimulatedDevice("sim-1", format, "secret", 42);
        FormatConverter converter = CONVERTERS.find(device.deviceType(), device.version()).orElseThrow();
        Instant time = Instant.parse("2025-11-23T21:33:20Z");
        java.util.Set<String> messageIds = new java.util.HashSet<>();

        for (int i = 0; i < 500; i++) {
            Instant at = time.plusSeconds(i);
            var record = converter.convert(new RawReading(device.nextReading(at), "sim-1", at));
            messageIds.add(String.valueOf(record.get(record.getSchema().getField("message_id").pos())));
            byte[] bad = device.badReading(at.plusMillis(500));
            assertThatThrownBy(() -> converter.convert(new RawReading(bad, "sim-1", at)))
                    .isInstanceOf(InvalidPayloadException.class);
        }
        assertThat(messageIds).as("distinct readings have distinct message ids").hasSize(500);
        assertThat(device.mqttTopic()).isEqualTo(format.equals("env-sensor/v1") ? "sensors/sim-1/data"
                : "dt/" + format.replace("/", "/sim-1/"));
    }
}
