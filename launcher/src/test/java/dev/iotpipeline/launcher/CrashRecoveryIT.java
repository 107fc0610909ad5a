package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.embedded.Ports;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole embedded stack, in a child JVM, is killed abruptly (SIGKILL to it and to PostgreSQL and
 * the registry under it) while a fleet publishes with QoS 1. It starts again on the same data
 * directory; the devices reconnect and resend what was not acknowledged. Every acknowledged
 * reading is then in the warehouse and in the lake exactly once, and nothing else is.
 */
class CrashRecoveryIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    @TempDir
    Path dataDir;

    private final Map<Long, Path> outputs = new ConcurrentHashMap<>();

    @Test
    void everyAcknowledgedReadingIsStoredExactlyOnceAfterTheWholeStackIsKilled() throws Exception {
        List<String> ports = freePorts();
        QosFleet fleet = new QosFleet(dataDir.resolve("devices.json"), "crash", 2, port(ports, "--mqtt-port"));

        Process stack = start(ports, false);
        fleet.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.acknowledged.size() >= 150);

        kill(stack);
        int ackedBeforeCrash = fleet.acknowledged.size();
        stack = start(ports, false);
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> fleet.acknowledged.size() >= ackedBeforeCrash + 100);
            fleet.stop();
            assertThat(fleet.resent.get()).as("devices had to resend after the crash").isPositive();
            fleet.assertStoredExactlyOnce(port(ports, "--postgres-port"), dataDir.resolve("lake"), 1);
        } finally {
            fleet.stop();
            kill(stack);
        }
    }

    /**
     * What a user's hard stop does (a terminal closed hard, the OOM killer): SIGKILL to the process
     * group of {@code ./pipeline up}. PostgreSQL, in its own session, survives it; the next
     * {@code ./pipeline up} on the same data directory stops it before checking ports, resumes, and
     * {@code ./pipeline down} then stops everything cleanly.
     */
    @Test
    void aPipelineKilledWithItsProcessGroupStartsAgainAndDownStopsIt() throws Exception {
        List<String> ports = freePorts();
        int postgresPort = port(ports, "--postgres-port");
        QosFleet fleet = new QosFleet(dataDir.resolve("devices.json"), "crash", 2, port(ports, "--mqtt-port"));

        Process first = start(ports, true);
        fleet.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.acknowledged.size() >= 100);
        ProcessHandle postgres = postmaster().orElseThrow();

        new ProcessBuilder("kill", "-KILL", "--", "-" + first.pid()).inheritIO().start().waitFor();
        first.onExit().get(30, TimeUnit.SECONDS);
        assertThat(postgres.isAlive()).as("PostgreSQL outlives a SIGKILL to the launcher's process group").isTrue();
        int ackedBeforeKill = fleet.acknowledged.size();

        Process second = start(ports, true);
        try {
            assertThat(Files.readString(output(second))).contains("Stopped PostgreSQL left running by an earlier start");
            assertThat(postgres.isAlive()).isFalse();
            // The devices reconnect with the secrets provisioned before the kill: still provisioned.
            await().atMost(Duration.ofSeconds(120)).until(() -> fleet.acknowledged.size() >= ackedBeforeKill + 100);
            fleet.stop();
            fleet.assertStoredExactlyOnce(postgresPort, dataDir.resolve("lake"), 1);

            Process down = new ProcessBuilder(pipelineCommand("down", "--data-dir", dataDir.toString()))
                    .redirectErrorStream(true).start();
            String said = new String(down.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(down.waitFor()).as(said).isZero();
            assertThat(said).contains("Stopped.");
            assertThat(second.isAlive()).isFalse();
            assertThat(postmaster()).as("PostgreSQL stopped with the pipeline").isEmpty();
            for (String option : List.of("--postgres-port", "--mqtt-port", "--kafka-port", "--registry-port")) {
                Ports.requireFree(option, "127.0.0.1", port(ports, option));
            }
        } finally {
            fleet.stop();
            kill(second);
        }
    }

    private static List<String> freePorts() {
        List<String> ports = new ArrayList<>();
        for (String option : List.of("--kafka-port", "--kafka-controller-port", "--registry-port", "--postgres-port",
                "--connect-port", "--streams-http-port", "--mqtt-port", "--mqtt-tls-port", "--http-port", "--https-port",
                "--bridge-management-port")) {
            ports.add(option);
            ports.add(Integer.toString(Ports.freePort("127.0.0.1")));
        }
        return ports;
    }

    private static int port(List<String> ports, String option) {
        return Integer.parseInt(ports.get(ports.indexOf(option) + 1));
    }

    /**
     * {@code ./pipeline up} in a child JVM on this test's data directory and ports; returns once it
     * printed READY. With {@code ownSession} it leads its own process group, as a shell makes a job.
     */
    private Process start(List<String> ports, boolean ownSession) throws Exception {
        List<String> command = new ArrayList<>(ownSession ? List.of("setsid") : List.of());
        command.addAll(pipelineCommand("up", "--data-dir", dataDir.toString(), "--batch-max-age-ms", "1000"));
        command.addAll(ports);
        Path output = Files.createTempFile(dataDir.getParent(), "stack-", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        outputs.put(process.pid(), output);
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() ->
                    !process.isAlive() || Files.readAllLines(output).stream().anyMatch(line -> line.startsWith("READY")));
        } catch (ConditionTimeoutException e) {
            // reported below with the output
        }
        if (process.isAlive() && Files.readAllLines(output).stream().anyMatch(line -> line.startsWith("READY"))) {
            return process;
        }
        kill(process);
        throw new AssertionError("The stack did not print READY:\n" + Files.readString(output));
    }

    private Path output(Process process) {
        return outputs.get(process.pid());
    }

    private static List<String> pipelineCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Pipeline.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private Optional<ProcessHandle> postmaster() throws Exception {
        Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readAllLines(pidFile).get(0).trim())).filter(ProcessHandle::isAlive);
    }

    /**
     * SIGKILL to the JVM and everything it started: the registry (a child) and PostgreSQL (a daemon,
     * found through its pid file): no clean shutdown anywhere, as when the machine loses power.
     */
    private void kill(Process process) throws Exception {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        postmaster().ifPresent(postgres -> {
            tree.add(postgres);
            tree.addAll(postgres.descendants().toList());
        });
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            handle.onExit().join();
        }
    }


}
