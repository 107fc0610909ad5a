package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DevicesCommandTest {

    @TempDir
    Path dir;

    @Test
    void addPrintsAGeneratedSecretOnceListShowsDevicesAndDisableLocksOneOut() throws Exception {
        Path file = dir.resolve("devices.json");
        String added = run("add", "env-0001", "--type", "env-sensor", "--devices-file", file.toString());
        String secret = added.lines().filter(l -> l.startsWith("Secret")).findFirst().orElseThrow().replaceAll(".*: ", "");
        assertThat(secret).hasSizeGreaterThanOrEqualTo(32);
        assertThat(Files.readString(file)).doesNotContain(secret);
        assertThat(new DeviceRegistry(file).authenticate("env-0001", secret)).isPresent();

        assertThat(run("add", "trk-0017", "--type", "gps-tracker", "--secret", "s2", "--devices-file", file.toString()))
                .doesNotContain("Secret");
        assertThat(run("list", "--devices-file", file.toString())).contains("env-0001", "trk-0017", "(2 devices)");

        run("disable", "env-0001", "--devices-file", file.toString());
        assertThat(new DeviceRegistry(file).authenticate("env-0001", secret)).isEmpty();
        assertThat(new DeviceRegistry(file).authenticate("trk-0017", "s2")).isPresent();
    }

    @Test
    void anIdThatCouldNotBeAnMqttTopicLevelIsRefused() {
        assertThat(new CommandLine(new DevicesCommand()).execute("add", "env/1", "--type", "env-sensor", "--devices-file",
                dir.resolve("d.json").toString())).isEqualTo(2);
    }

    private static String run(String... args) {
        PrintStream previous = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new DevicesCommand()).execute(args)).isZero();
        } finally {
            System.setOut(previous);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
