package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void putAllAddsAWholeFleetInOneAtomicWriteAndKeepsTheDevicesThatWereThere() throws Exception {
        Path file = dir.resolve("devices.json");
        DeviceProvisioning devices = new DeviceProvisioning(file);
        devices.put("env-kept", "env-sensor", "kept", 1_000);
        List<DeviceProvisioning.NewDevice> fleet = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            fleet.add(new DeviceProvisioning.NewDevice(String.format("env-%05d", i), "env-sensor", "secret-" + i));
        }
        devices.putAll(fleet, 1_000);
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).as("one temporary file moved into place, none left")
                    .containsExactly("devices.json");
        }
        DeviceRegistry registry = new DeviceRegistry(file);
        assertThat(registry.all()).hasSize(2_001);
        assertThat(registry.authenticate("env-01999", "secret-1999")).isPresent();
        assertThat(registry.authenticate("env-kept", "kept")).isPresent();

        assertThatThrownBy(() -> devices.putAll(List.of(new DeviceProvisioning.NewDevice("env-x", "env-sensor", "")), 1_000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new DeviceRegistry(file).all()).as("nothing written").hasSize(2_001);
    }
}
