package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.auth.Device;
import dev.iotpipeline.bridge.auth.DeviceRegistry;
import dev.iotpipeline.bridge.auth.PasswordHash;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    @Test
    void everyAcknowledgedReadingIsStoredExactlyOnceAfterTheWholeStackIsKilled() throws Exception {
        List<String> ports = new ArrayList<>();
        for (String option : List.of("--kafka-port", "--kafka-controller-port", "--registry-port", "--postgres-port",
                "--connect-port", "--streams-http-port", "--mqtt-port", "--mqtt-tls-port", "--http-port", "--https-port")) {
            ports.add(option);
            ports.add(Integer.toString(Ports.freePort("127.0.0.1")));
        }
        int mqttPort = Integer.parseInt(ports.get(ports.indexOf("--mqtt-port") + 1));
        int postgresPort = Integer.parseInt(ports.get(ports.indexOf("--postgres-port") + 1));

        DeviceRegistry registry = new DeviceRegistry(dataDir.resolve("devices.json"));
        List<SimulatedDevice> fleet = new ArrayList<>();
        for (String format : SimulatedDevice.FORMATS) {
            for (int d = 0; d < 2; d++) {
                String id = "crash-" + format.replace('/', '-') + "-" + d;
                SimulatedDevice device = new SimulatedDevice(id, format, "secret-" + id, id.hashCode());
                registry.put(new Device(id, device.deviceType(), PasswordHash.hash(device.secret(), 1_000), true));
                fleet.add(device);
            }
        }

        Process stack = start(ports);
        Set<String> acknowledged = new ConcurrentSkipListSet<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger resent = new AtomicInteger();
        Instant start = Instant.now().minusSeconds(7200).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        List<Thread> devices = new ArrayList<>();
        for (SimulatedDevice device : fleet) {
            Thread thread = new Thread(() -> publish(device, mqttPort, start, acknowledged, stop, resent), device.id());
            thread.start();
            devices.add(thread);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 150);

        kill(stack);
        int ackedBeforeCrash = acknowledged.size();
        stack = start(ports);
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.size() >= ackedBeforeCrash + 100);
            stop.set(true);
            for (Thread thread : devices) {
                thread.join(60_000);
            }
            assertThat(resent.get()).as("devices had to resend after the crash").isPositive();

            Set<String> expected = new java.util.TreeSet<>(acknowledged);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(warehouse(postgresPort)).containsAll(expected));
            List<String> rows = warehouse(postgresPort);
            assertThat(rows).as("no reading twice").doesNotHaveDuplicates();
            // Stored and not acknowledged is allowed (the device resent it and it is stored once); nothing else is.
            assertThat(rows.size() - expected.size()).as("stored but never acknowledged").isBetween(0, fleet.size());
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(lake()).containsExactlyElementsOf(warehouse(postgresPort)));
        } finally {
            stop.set(true);
            kill(stack);
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
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // reconnect backoff
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
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

    /** {@code ./pipeline up} in a child JVM on this test's data directory and ports; returns once it printed READY. */
    private Process start(List<String> ports) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Pipeline.class.getName(), "up",
                "--data-dir", dataDir.toString(), "--batch-max-age-ms", "1000"));
        command.addAll(ports);
        Path output = Files.createTempFile(dataDir.getParent(), "stack-", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() ->
                    !process.isAlive() || Files.readAllLines(output).stream().anyMatch(line -> line.startsWith("READY")));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below with the output
        }
        if (process.isAlive() && Files.readAllLines(output).stream().anyMatch(line -> line.startsWith("READY"))) {
            return process;
        }
        kill(process);
        throw new AssertionError("The stack did not print READY:\n" + Files.readString(output));
    }

    /**
     * SIGKILL to the JVM and everything it started: the registry (a child) and PostgreSQL (a daemon,
     * found through its pid file): no clean shutdown anywhere, as when the machine loses power.
     */
    private void kill(Process process) throws Exception {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        Path postmaster = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (Files.exists(postmaster)) {
            ProcessHandle.of(Long.parseLong(Files.readAllLines(postmaster).get(0).trim())).ifPresent(postgres -> {
                tree.add(postgres);
                tree.addAll(postgres.descendants().toList());
            });
        }
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
                } catch (java.sql.SQLException e) {
                    return List.of(); // tables appear with the first batch
                }
            }
        }
        java.util.Collections.sort(rows);
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
        java.util.Collections.sort(rows);
        return rows;
    }
}
