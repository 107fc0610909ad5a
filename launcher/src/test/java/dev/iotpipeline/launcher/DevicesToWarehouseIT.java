package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices of every format publish over real MQTT (Paho, QoS 1) and HTTP through the embedded
 * bridge, streams app and Connect worker into the warehouse: valid readings once each,
 * redeliveries dropped, bad payloads dead-lettered with their reason, an impostor refused and
 * nothing stored under the id it tried, and all of it still there after a restart.
 */
class DevicesToWarehouseIT {

    @TempDir
    Path dataDir;

    @Test
    void everyValidReadingLandsInTheWarehouseOnceAndSurvivesARestart() throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dataDir,
                new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(1)));
        int envReadings = 0;
        int positions = 0;
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start()) {
            DeviceProvisioning registry = new DeviceProvisioning(settings.devicesFile());
            Instant start = Instant.now().minusSeconds(3600);
            HttpClient http = HttpClient.newHttpClient();
            for (String format : SimulatedDevice.FORMATS) {
                for (int d = 0; d < 3; d++) {
                    SimulatedDevice device = provision(registry, format.replace('/', '-') + "-" + d, format);
                    Sender sender = d == 2 ? httpSender(http, pipeline, device) : mqttSender(pipeline, device);
                    for (int i = 0; i < 40; i++) {
                        byte[] reading = device.nextReading(start.plusSeconds(i));
                        sender.send(reading);
                        if (i % 8 == 0) {
                            sender.send(reading); // redelivered, as after a lost PUBACK
                        }
                    }
                    sender.close();
                    if (format.startsWith("env")) {
                        envReadings += 40;
                    } else {
                        positions += 40;
                    }
                }
                SimulatedDevice bad = provision(registry, "bad-" + format.replace('/', '-'), format);
                Sender badSender = mqttSender(pipeline, bad);
                badSender.send(bad.badReading(start));
                badSender.close();
            }
            // An impostor: a real device publishing under another's id is refused and stores nothing.
            SimulatedDevice impostor = provision(registry, "impostor", "env-sensor/v2");
            MqttClient client = mqtt(pipeline, impostor);
            assertThatThrownBy(() -> client.publish("dt/env-sensor/env-sensor-v2-0/v2",
                    impostor.nextReading(start.plusSeconds(500)), 1, false)).isInstanceOf(MqttException.class);
            client.close();

            int expectedEnv = envReadings;
            int expectedPositions = positions;
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    count(pipeline, "iot.env_readings") == expectedEnv && count(pipeline, "iot.positions") == expectedPositions);
            assertThat(deadLetterReasons(pipeline)).hasSize(5).allSatisfy(reason -> assertThat(reason)
                    .matches("bad-crc|bad-length|malformed-json|malformed-text|device-id-mismatch|missing-field:.*|invalid-field:.*"));
            assertThat(count(pipeline, "iot.env_readings WHERE device_id = 'env-sensor-v2-0'")).isEqualTo(40);
            assertThat(count(pipeline, "iot.env_readings WHERE device_id = 'impostor'")).isZero();

            // The lake, read by an independent reader (DuckDB), holds the same rows as the warehouse.
            for (String family : List.of("env_readings", "positions")) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                        assertThat(lakeRows(settings.lakeDir(), family)).containsExactlyElementsOf(warehouseRows(pipeline, family)));
            }
            QosFleet.assertRollupsMatchTheRawRows(settings.postgresPort());
            AnalystsPage.assertEveryQueryReturnsRows(pipeline.warehouse().jdbcUrl(), settings.lakeDir());
        }

        try (EmbeddedPipeline restarted = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start()) {
            assertThat(count(restarted, "iot.env_readings")).isEqualTo(envReadings);
            assertThat(count(restarted, "iot.positions")).isEqualTo(positions);
        }
    }

    /** Sends one device's payloads and returns only once the bridge acknowledged each. */
    private interface Sender extends AutoCloseable {
        void send(byte[] payload) throws Exception;

        @Override
        void close() throws Exception;
    }

    private static SimulatedDevice provision(DeviceProvisioning registry, String id, String format) throws Exception {
        SimulatedDevice device = new SimulatedDevice(id, format, "secret-" + id, id.hashCode());
        registry.put(id, device.deviceType(), device.secret(), 1_000);
        return device;
    }

    private static MqttClient mqtt(EmbeddedPipeline pipeline, SimulatedDevice device) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), device.id(), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(device.id());
        options.setPassword(device.secret().toCharArray());
        client.setTimeToWait(20_000);
        client.connect(options);
        return client;
    }

    private static Sender mqttSender(EmbeddedPipeline pipeline, SimulatedDevice device) throws Exception {
        MqttClient client = mqtt(pipeline, device);
        return new Sender() {
            @Override
            public void send(byte[] payload) throws Exception {
                client.publish(device.mqttTopic(), payload, 1, false);
            }

            @Override
            public void close() throws Exception {
                client.disconnect();
                client.close();
            }
        };
    }

    private static Sender httpSender(HttpClient http, EmbeddedPipeline pipeline, SimulatedDevice device) {
        return new Sender() {
            @Override
            public void send(byte[] payload) throws Exception {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + pipeline.bridge().httpPort() + device.httpPath())).header("Authorization", "Bearer " + device.secret())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            }

            @Override
            public void close() {
            }
        };
    }

    private static List<String> deadLetterReasons(EmbeddedPipeline pipeline) {
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                pipeline.bootstrapServers(), "group.id", "dlq-reader", "auto.offset.reset", "earliest",
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reasons.size() < 5 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> reasons.add(new String(
                        r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8)));
            }
        }
        return reasons;
    }

    private static final String ROW = "device_id || '|' || message_id || '|' || source_format || '|' || "
            + "CAST(epoch_ms(event_time) AS VARCHAR)";

    private static List<String> lakeRows(Path lake, String family) throws Exception {
        List<String> rows = new ArrayList<>();
        if (!java.nio.file.Files.exists(lake.resolve(family))) {
            return rows;
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
             ResultSet result = duck.createStatement().executeQuery("SELECT " + ROW + " AS r FROM read_parquet('"
                     + lake.resolve(family) + "/**/*.parquet', hive_partitioning = true)")) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        java.util.Collections.sort(rows);
        return rows;
    }

    private static List<String> warehouseRows(EmbeddedPipeline pipeline, String table) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection sql = DriverManager.getConnection(pipeline.warehouse().jdbcUrl(), "iot", "iot");
             ResultSet result = sql.createStatement().executeQuery("SELECT device_id || '|' || message_id || '|' || source_format"
                     + " || '|' || CAST((extract(epoch FROM event_time) * 1000)::bigint AS text) AS r FROM iot." + table
                     )) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        java.util.Collections.sort(rows);
        return rows;
    }

    private static long count(EmbeddedPipeline pipeline, String table) {
        try (Connection sql = DriverManager.getConnection(pipeline.warehouse().jdbcUrl(), "iot", "iot");
             ResultSet rows = sql.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        } catch (java.sql.SQLException e) {
            return -1; // the table is created with the first batch
        }
    }

}
