package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceProvisioningTest {

    @TempDir
    Path dir;

    @Test
    void ensureKeepsADeviceWhoseSecretVerifiesAndRewritesOneThatDoesNot() throws Exception {
        Path file = dir.resolve("devices.json");
        DeviceProvisioning devices = new DeviceProvisioning(file);
        devices.put("sim-1", "env-sensor", "secret-1", 1_000);
        String before = Files.readString(file);

        assertThat(devices.ensure("sim-1", "env-sensor", "secret-1")).isFalse();
        assertThat(Files.readString(file)).as("kept as it was").isEqualTo(before);

        assertThat(devices.ensure("sim-1", "env-sensor", "other")).isTrue();
        assertThat(new DeviceRegistry(file).authenticate("sim-1", "other")).isPresent();
        assertThat(Files.readString(file)).contains("$" + DeviceProvisioning.DEFAULT_ITERATIONS + "$");

        devices.disable("sim-1");
        assertThat(devices.ensure("sim-1", "env-sensor", "other")).as("a disabled device is enabled again").isTrue();
        assertThat(devices.find("sim-1")).hasValueSatisfying(d -> assertThat(d.enabled()).isTrue());
        assertThat(devices.ensure("sim-2", "gps-tracker", "s2")).isTrue();
        assertThat(devices.list()).extracting(DeviceProvisioning.ProvisionedDevice::id).containsExactly("sim-1", "sim-2");
        assertThat(devices.disable("missing")).isFalse();
    }
}
