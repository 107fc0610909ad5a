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
    void dataDirNamesTheRegistryAsUpDoesAndAnExplicitDevicesFileWins() throws Exception {
        Path dataDir = dir.resolve("pipeline-data");
        run("add", "env-0001", "--type", "env-sensor", "--secret", "s1", "--data-dir", dataDir.toString());
        assertThat(new DeviceRegistry(dataDir.resolve("devices.json")).authenticate("env-0001", "s1")).isPresent();
        assertThat(run("list", "--data-dir", dataDir.toString())).contains("env-0001", "(1 devices)");

        Path elsewhere = dir.resolve("standalone.json");
        run("add", "trk-0017", "--type", "gps-tracker", "--secret", "s2", "--data-dir", dataDir.toString(),
                "--devices-file", elsewhere.toString());
        assertThat(new DeviceRegistry(elsewhere).authenticate("trk-0017", "s2")).isPresent();
        assertThat(run("list", "--data-dir", dataDir.toString())).doesNotContain("trk-0017");
    }

    @Test
    void importAddsEveryDeviceOfACsvFileWithOneWriteAndPrintsOnlyTheGeneratedSecrets() throws Exception {
        Path file = dir.resolve("devices.json");
        run("add", "env-0001", "--type", "env-sensor", "--secret", "old", "--devices-file", file.toString());
        Path csv = dir.resolve("fleet.csv");
        Files.writeString(csv, "# id,type,secret\nenv-0001,env-sensor,new\n\ntrk-0002,gps-tracker,s2\nenv-0003,env-sensor\n");
        String out = run("import", csv.toString(), "--devices-file", file.toString());
        // Only the generated secret is printed (not a substring check: a random secret may contain "s2").
        assertThat(out).contains("3 devices added");
        assertThat(out.lines().filter(l -> l.matches("[A-Za-z0-9._-]+,.*"))).containsExactly(out.lines()
                .filter(l -> l.startsWith("env-0003,")).findFirst().orElseThrow());
        assertThat(out.lines()).noneMatch(l -> l.startsWith("env-0001,") || l.startsWith("trk-0002,") || l.endsWith(",new")
                || l.endsWith(",s2"));
        String secret = out.lines().filter(l -> l.startsWith("env-0003,")).findFirst().orElseThrow().substring("env-0003,".length());
        DeviceRegistry registry = new DeviceRegistry(file);
        assertThat(registry.authenticate("env-0001", "new")).as("re-keyed").isPresent();
        assertThat(registry.authenticate("env-0001", "old")).isEmpty();
        assertThat(registry.authenticate("trk-0002", "s2")).isPresent();
        assertThat(registry.authenticate("env-0003", secret)).isPresent();
        assertThat(Files.readString(file)).doesNotContain(secret);
    }

    @Test
    void importRefusesAFileWithABadLineAndWritesNothing() throws Exception {
        Path file = dir.resolve("devices.json");
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "env-0001,env-sensor,s1\nenv/2,env-sensor,s2\n");
        assertThat(new CommandLine(new DevicesCommand()).execute("import", csv.toString(), "--devices-file", file.toString()))
                .isEqualTo(2);
        assertThat(file).doesNotExist();
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
