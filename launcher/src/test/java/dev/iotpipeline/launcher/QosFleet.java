package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import dev.iotpipeline.schemas.contract.Topics;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A fleet of simulated devices of every format, each publishing QoS 1 readings one at a time and
 * resending each until it is acknowledged, reconnecting after any failure, as firmware does. It
 * records what was acknowledged, so a test can check the warehouse and the lake against it.
 */
final class QosFleet {

    final List<SimulatedDevice> devices = new ArrayList<>();
    /** {@code device id|event time ms} of every acknowledged reading. */
    final Set<String> acknowledged = new ConcurrentSkipListSet<>();
    /** Readings that were acknowledged only after an earlier attempt failed. */
    final AtomicInteger resent = new AtomicInteger();
    /** Attempts that failed (no acknowledgement in time, connection lost or refused). */
    final AtomicInteger failedAttempts = new AtomicInteger();
    private final int[] mqttPorts;
    private final AtomicBoolean stopped = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private int phase;

    /**
     * Provisions {@code perFormat} devices of every format into {@code devicesFile}; with several
     * bridges, device {@code i} connects to bridge {@code i mod n}, as a load balancer spreads a fleet.
     */
    QosFleet(Path devicesFile, String prefix, int perFormat, int... mqttPorts) throws Exception {
        this.mqttPorts = mqttPorts.clone();
        DeviceProvisioning registry = new DeviceProvisioning(devicesFile);
        for (String format : SimulatedDevice.FORMATS) {
            for (int d = 0; d < perFormat; d++) {
                String id = prefix + "-" + format.replace('/', '-') + "-" + d;
                SimulatedDevice device = new SimulatedDevice(id, format, "secret-" + id, id.hashCode());
                registry.put(id, device.deviceType(), device.secret(), 1_000);
                devices.add(device);
            }
        }
    }

    /** Starts publishing; each start uses event times of its own (from some hours ago), so no reading repeats. */
    synchronized void start() {
        stopped.set(false);
        Instant from = Instant.now().minus(Duration.ofHours(6)).plus(Duration.ofHours(phase++)).truncatedTo(ChronoUnit.SECONDS);
        for (int d = 0; d < devices.size(); d++) {
            SimulatedDevice device = devices.get(d);
            int port = mqttPorts[d % mqttPorts.length];
            Thread thread = new Thread(() -> publish(device, port, from), device.id());
            thread.start();
            threads.add(thread);
        }
    }

    synchronized void stop() throws InterruptedException {
        stopped.set(true);
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        threads.clear();
    }

    private void publish(SimulatedDevice device, int port, Instant from) {
        MqttClient client = null;
        for (int i = 0; !stopped.get(); i++) {
            Instant eventTime = from.plusSeconds(i);
            byte[] payload = device.nextReading(eventTime);
            for (int attempt = 0; !stopped.get(); attempt++) {
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
                    failedAttempts.incrementAndGet();
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
     * Every acknowledged reading is in the warehouse once, nothing else is there but readings that
     * were stored and whose acknowledgement was lost (at most one per device and fault), and the
     * lake holds exactly the warehouse's rows.
     */
    void assertStoredExactlyOnce(int postgresPort, Path lakeDir, int faults) throws Exception {
        assertStoredExactlyOnce(postgresPort, () -> lake(lakeDir), faults);
    }

    /** As {@link #assertStoredExactlyOnce(int, Path, int)}, with the lake's rows read by {@code lakeRows}. */
    void assertStoredExactlyOnce(int postgresPort, Callable<List<String>> lakeRows, int faults) throws Exception {
        Set<String> expected = new TreeSet<>(acknowledged);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(warehouse(postgresPort)).containsAll(expected));
        List<String> rows = warehouse(postgresPort);
        assertThat(rows).as("no reading twice").doesNotHaveDuplicates();
        assertThat(rows.size() - expected.size()).as("stored but never acknowledged").isBetween(0, devices.size() * faults);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(lakeRows.call()).containsExactlyElementsOf(warehouse(postgresPort)));
        assertRollupsMatchTheRawRows(postgresPort);
    }

    /** Every rollup bucket counts exactly the raw rows in it, and no bucket is missing or left over (crashes included). */
    static void assertRollupsMatchTheRawRows(int port) throws SQLException {
        try (Connection sql = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/iot", "iot", "iot")) {
            for (String[] rollup : new String[][] {
                    {"iot.env_readings_1m", "reading_count", "date_trunc('minute', event_time, 'UTC')", "iot.env_readings"},
                    {"iot.env_readings_1h", "reading_count", "date_trunc('hour', event_time, 'UTC')", "iot.env_readings"},
                    {"iot.positions_1h", "fix_count", "date_trunc('hour', event_time, 'UTC')", "iot.positions"}}) {
                String fromRaw = "SELECT device_id, " + rollup[2] + " AS bucket_start, count(*) FROM " + rollup[3] + " GROUP BY 1, 2";
                String kept = "SELECT device_id, bucket_start, " + rollup[1] + " FROM " + rollup[0];
                try (ResultSet result = sql.createStatement().executeQuery("SELECT count(*) FROM ((" + fromRaw + " EXCEPT " + kept
                        + ") UNION ALL (" + kept + " EXCEPT " + fromRaw + ")) differences")) {
                    result.next();
                    assertThat(result.getLong(1)).as(rollup[0] + " buckets that differ from a GROUP BY over " + rollup[3]).isZero();
                }
            }
        }
    }

    static List<String> warehouse(int port) throws Exception {
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

    static List<String> lake(Path lakeDir) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String family : List.of("env_readings", "positions")) {
                if (!Files.exists(lakeDir.resolve(family))) {
                    return List.of();
                }
                try (ResultSet result = duck.createStatement().executeQuery("SELECT device_id || '|' || CAST(epoch_ms(event_time) AS VARCHAR)"
                        + " FROM read_parquet('" + lakeDir.resolve(family) + "/**/*.parquet', hive_partitioning = true)")) {
                    while (result.next()) {
                        rows.add(result.getString(1));
                    }
                }
            }
        }
        Collections.sort(rows);
        return rows;
    }

    /** Records in every dead-letter topic (the streams app's and the two sinks'), read for 10 s. */
    static long deadLetters(String bootstrapServers) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "group.id", "dlq-count-" + System.nanoTime(), "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER, Topics.DEAD_LETTER + ".warehouse", Topics.DEAD_LETTER + ".lake"));
            long count = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                count += consumer.poll(Duration.ofMillis(500)).count();
            }
            return count;
        }
    }
}
