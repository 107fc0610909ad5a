package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw device messages of every format, as the bridge writes them, through the embedded streams
 * app and Connect worker into the warehouse: valid readings once each, duplicates dropped, bad
 * payloads dead-lettered with their reason, and all of it still there after a restart.
 */
class RawToWarehouseIT {

    @TempDir
    Path dataDir;

    @Test
    void everyValidReadingLandsInTheWarehouseOnceAndSurvivesARestart() throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dataDir,
                new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(1)));
        int envReadings = 0;
        int positions = 0;
        Map<String, Integer> expectedDeadLetters = new TreeMap<>();
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", pipeline.bootstrapServers(),
                     "acks", "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            Instant start = Instant.now().minusSeconds(3600);
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (String format : SimulatedDevice.FORMATS) {
                for (int d = 0; d < 3; d++) {
                    SimulatedDevice device = new SimulatedDevice(format.replace('/', '-') + "-" + d, format, "s", d);
                    for (int i = 0; i < 40; i++) {
                        ProducerRecord<byte[], byte[]> reading = raw(device, device.nextReading(start.plusSeconds(i)));
                        records.add(reading);
                        if (i % 8 == 0) {
                            records.add(reading); // redelivered
                        }
                    }
                    if (format.startsWith("env")) {
                        envReadings += 40;
                    } else {
                        positions += 40;
                    }
                }
                SimulatedDevice bad = new SimulatedDevice("bad-" + format.replace('/', '-'), format, "s", 99);
                records.add(raw(bad, bad.badReading(start)));
            }
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record).get();
            }

            int expectedEnv = envReadings;
            int expectedPositions = positions;
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    count(pipeline, "iot.env_readings") == expectedEnv && count(pipeline, "iot.positions") == expectedPositions);
            assertThat(deadLetterReasons(pipeline)).hasSize(5).allSatisfy(reason -> assertThat(reason)
                    .matches("bad-crc|bad-length|malformed-json|malformed-text|device-id-mismatch|missing-field:.*|invalid-field:.*"));
        }

        try (EmbeddedPipeline restarted = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start()) {
            assertThat(count(restarted, "iot.env_readings")).isEqualTo(envReadings);
            assertThat(count(restarted, "iot.positions")).isEqualTo(positions);
        }
    }

    private static ProducerRecord<byte[], byte[]> raw(SimulatedDevice device, byte[] payload) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(TelemetryHeaders.DEVICE_ID, utf8(device.id()));
        headers.add(TelemetryHeaders.DEVICE_TYPE, utf8(device.deviceType()));
        headers.add(TelemetryHeaders.FORMAT_VERSION, utf8(device.version()));
        headers.add(TelemetryHeaders.MQTT_TOPIC, utf8(device.mqttTopic()));
        headers.add(TelemetryHeaders.RECEIVE_TIME, utf8(Long.toString(System.currentTimeMillis())));
        return new ProducerRecord<>(Topics.rawTopic(device.deviceType()), null, utf8(device.id()), payload, headers);
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

    private static long count(EmbeddedPipeline pipeline, String table) {
        try (Connection sql = DriverManager.getConnection(pipeline.warehouse().jdbcUrl(), "iot", "iot");
             ResultSet rows = sql.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        } catch (java.sql.SQLException e) {
            return -1; // the table is created with the first batch
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
