package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.auth.Device;
import dev.iotpipeline.bridge.auth.DeviceRegistry;
import dev.iotpipeline.bridge.auth.PasswordHash;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
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
        Fleet fleet = new Fleet(provision(), port(ports, "--mqtt-port"));

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
            assertStoredExactlyOnce(fleet, port(ports, "--postgres-port"));
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
        Fleet fleet = new Fleet(provision(), port(ports, "--mqtt-port"));

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
            assertStoredExactlyOnce(fleet, postgresPort);

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
                "--connect-port", "--streams-http-port", "--mqtt-port", "--mqtt-tls-port", "--http-port", "--https-port")) {
            ports.add(option);
            ports.add(Integer.toString(Ports.freePort("127.0.0.1")));
        }
        return ports;
    }

    private static int port(List<String> ports, String option) {
        return Integer.parseInt(ports.get(ports.indexOf(option) + 1));
    }

    private List<SimulatedDevice> provision() throws Exception {
        DeviceRegistry registry = new DeviceRegistry(dataDir.resolve("devices.json"));
        List<SimulatedDevice> devices = new ArrayList<>();
        for (String format : SimulatedDevice.FORMATS) {
            for (int d = 0; d < 2; d++) {
                String id = "crash-" + format.replace('/', '-') + "-" + d;
                SimulatedDevice device = new SimulatedDevice(id, format, "secret-" + id, id.hashCode());
                registry.put(new Device(id, device.deviceType(), PasswordHash.hash(device.secret(), 1_000), true));
                devices.add(device);
            }
        }
        return devices;
    }

    /** Every acknowledged reading in the warehouse once, nothing else but resends, and the lake equal to it. */
    private void assertStoredExactlyOnce(Fleet fleet, int postgresPort) throws Exception {
        Set<String> expected = new TreeSet<>(fleet.acknowledged);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(warehouse(postgresPort)).containsAll(expected));
        List<String> rows = warehouse(postgresPort);
        assertThat(rows).as("no reading twice").doesNotHaveDuplicates();
        // Stored and not acknowledged is allowed (the device resent it and it is stored once); nothing else is.
        assertThat(rows.size() - expected.size()).as("stored but never acknowledged").isBetween(0, fleet.devices.size());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(lake()).containsExactlyElementsOf(warehouse(postgresPort)));
    }

    /** The simulated fleet, one thread per device, publishing QoS 1 from two hours ago on. */
    private static final class Fleet {
        final List<SimulatedDevice> devices;
        final int mqttPort;
        final Set<String> acknowledged = new ConcurrentSkipListSet<>();
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicInteger resent = new AtomicInteger();
        final List<Thread> threads = new ArrayList<>();

        Fleet(List<SimulatedDevice> devices, int mqttPort) {
            this.devices = devices;
            this.mqttPort = mqttPort;
        }

        void start() {
            Instant from = Instant.now().minusSeconds(7200).truncatedTo(ChronoUnit.SECONDS);
            for (SimulatedDevice device : devices) {
                Thread thread = new Thread(() -> publish(device, mqttPort, from, acknowledged, stopped, resent), device.id());
                thread.start();
                threads.add(thread);
            }
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            for (Thread thread : threads) {
                thread.join(60_000);
            }
        }
    }

    /** One device: each reading is published until acknowledged, reconnecting after any failure, as firmware does. */
    private static void publish(SimulatedDevice device, int port, Instant start, Set<String> acknowledged, AtomicBoolean stop,
                                AtomicInteger resent) {
        MqttClient client = null;
        for (int i = 0; !stop.get(); i++) {
            Instant eventTime = start.plusSeconds(i);
            byte[] payload = device.nextReading(eventTime);
            for (int attempt = 0; !stop.get(); attempt++) {
                try {
                    if (client == null || !client.isConnected()) {
                        client = connect(device, port);
                    }
                    client.publish(device.mqttTopic(), payload, 1, false);
                    acknowledged.add(device.id() + "|" + eventTime.toEpochMilli());
                    if (attempt > 0) {
                        resent.incrementAndGet();
                    }
                    break;
                } catch (Exception e) {
                    closeQuietly(client);
                    client = null;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // reconnect backoff
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        closeQuietly(client);
    }

    private static MqttClient connect(SimulatedDevice device, int port) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, device.id(), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(device.id());
        options.setPassword(device.secret().toCharArray());
        options.setConnectionTimeout(5);
        client.setTimeToWait(15_000);
        client.connect(options);
        return client;
    }

    private static void closeQuietly(MqttClient client) {
        if (client == null) {
            return;
        }
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(100, 100);
            }
            client.close(true);
        } catch (Exception ignored) {
            // the connection is already gone
        }
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

    private static List<String> warehouse(int port) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection sql = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/iot", "iot", "iot")) {
            for (String table : List.of("iot.env_readings", "iot.positions")) {
                try (ResultSet result = sql.createStatement().executeQuery("SELECT device_id || '|' || "
                        + "CAST((extract(epoch FROM event_time) * 1000)::bigint AS text) FROM " + table)) {
                    while (result.next()) {
                        rows.add(result.getString(1));
                    }
                } catch (SQLException e) {
                    return List.of(); // tables appear with the first batch
                }
            }
        }
        Collections.sort(rows);
        return rows;
    }

    private List<String> lake() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String family : List.of("env_readings", "positions")) {
                if (!Files.exists(dataDir.resolve("lake").resolve(family))) {
                    return List.of();
                }
                try (ResultSet result = duck.createStatement().executeQuery("SELECT device_id || '|' || CAST(epoch_ms(event_time) AS VARCHAR)"
                        + " FROM read_parquet('" + dataDir.resolve("lake").resolve(family) + "/**/*.parquet', hive_partitioning = true)")) {
                    while (result.next()) {
                        rows.add(result.getString(1));
                    }
                }
            }
        }
        Collections.sort(rows);
        return rows;
    }
}
