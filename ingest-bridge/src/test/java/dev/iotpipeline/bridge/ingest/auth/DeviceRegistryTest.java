package dev.iotpipeline.bridge.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceRegistryTest {

    @TempDir
    Path dir;

    @Test
    void aDeviceProvisionedByAnotherProcessCanConnectAtOnce() throws Exception {
        DeviceRegistry bridge = new DeviceRegistry(dir.resolve("devices.json"));
        assertThat(bridge.authenticate("env-1", "secret")).isEmpty();
        new DeviceRegistry(dir.resolve("devices.json")).put(new Device("env-1", "env-sensor", PasswordHash.hash("secret", 1_000), true));
        assertThat(bridge.authenticate("env-1", "secret")).isPresent();
    }

    @Test
    void wrongSecretsAndDisabledDevicesAreRefused() throws Exception {
        DeviceRegistry registry = new DeviceRegistry(dir.resolve("devices.json"));
        registry.put(new Device("env-1", "env-sensor", PasswordHash.hash("secret", 1_000), true));
        assertThat(registry.authenticate("env-1", "secret")).isPresent();
        assertThat(registry.authenticate("env-1", "Secret")).isEmpty();
        assertThat(registry.authenticate("env-1", null)).isEmpty();
        registry.put(new Device("env-1", "env-sensor", registry.find("env-1").orElseThrow().secretHash(), false));
        assertThat(registry.authenticate("env-1", "secret")).as("disabled, even with a remembered secret").isEmpty();
    }

    @Test
    void onlyAnUnverifiedSecretOfAnEnabledDeviceNeedsTheSlowHash() throws Exception {
        DeviceRegistry registry = new DeviceRegistry(dir.resolve("devices.json"));
        registry.put(new Device("env-1", "env-sensor", PasswordHash.hash("secret", 1_000), true));
        assertThat(registry.needsHashCheck("env-1", "secret")).isTrue();
        assertThat(registry.authenticate("env-1", "secret")).isPresent();
        assertThat(registry.needsHashCheck("env-1", "secret")).as("verified once, remembered").isFalse();
        assertThat(registry.needsHashCheck("env-1", "other")).as("a different secret is checked again").isTrue();
        assertThat(registry.needsHashCheck("nobody", "secret")).as("unknown: refused without hashing").isFalse();
        assertThat(registry.needsHashCheck("env-1", null)).isFalse();
    }

    @Test
    void theFileHoldsHashesNeverSecretsAndABrokenFileKeepsTheLastGoodRegistry() throws Exception {
        Path file = dir.resolve("devices.json");
        DeviceRegistry registry = new DeviceRegistry(file);
        registry.put(new Device("env-1", "env-sensor", PasswordHash.hash("the-secret", 1_000), true));
        assertThat(Files.readString(file)).contains("pbkdf2-sha256$1000$").doesNotContain("the-secret");
        Files.writeString(file, "{ broken");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertThat(registry.authenticate("env-1", "the-secret")).isPresent();
    }
}
