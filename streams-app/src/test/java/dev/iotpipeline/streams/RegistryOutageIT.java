package dev.iotpipeline.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real registry (its child process) stops while readings arrive at an instance whose caches are
 * cold: processing pauses, {@code /health/ready} says why, nothing is dead-lettered; when the registry
 * is back (same storage, same ids) processing resumes by itself and every reading is in exactly one
 * batch.
 */
class RegistryOutageIT {

    private static final String HOST = "127.0.0.1";

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.broker();

    @TempDir
    Path dir;

    private final Instant now = Instant.now();
    private final HttpClient http = HttpClient.newHttpClient();
    private SchemaRegistryServer registry;

    @AfterEach
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void anUnreachableRegistryPausesProcessingAndLosesOrDeadLettersNothing() throws Exception {
        SchemaRegistryServer.Settings registrySettings = new SchemaRegistryServer.Settings(SchemaRegistryServer.locateRunnerJar(),
                HOST, Ports.freePort(HOST), Optional.of(dir.resolve("registry")), dir.resolve("registry.log"));
        registry = new SchemaRegistryServer(registrySettings).start(Duration.ofSeconds(120));
        KAFKA.createTopics(1, Topics.RAW_ENV_SENSOR);
        Map<String, String> settings = settings(registry.confluentApiUrl());

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            try (StreamsApp app = StreamsApp.start(StreamsAppConfig.of(settings))) {
                app.awaitRunning(Duration.ofSeconds(60));
                send(producer, 0, 10);
                await().atMost(Duration.ofSeconds(60)).until(() -> batchedReadings().size() == 10);
            }

            registry.close();
            // A new instance knows no schema ids yet: it needs the registry for its first record.
            try (StreamsApp app = StreamsApp.start(StreamsAppConfig.of(settings))) {
                send(producer, 10, 20);
                String ready = "http://" + HOST + ":" + app.httpPort() + "/health/ready";
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    HttpResponse<String> answer = get(ready);
                    assertThat(answer.statusCode()).isEqualTo(503);
                    assertThat(answer.body()).contains("\"ready\":false").contains("schema registry unreachable");
                });

                registry = new SchemaRegistryServer(registrySettings).start(Duration.ofSeconds(120));

                await().atMost(Duration.ofSeconds(120)).until(() -> batchedReadings().size() >= 20);
                await().atMost(Duration.ofSeconds(30)).until(() -> get(ready).statusCode() == 200);
                assertThat(app.notReadyCause()).isEmpty();
            }
        }
        List<String> readings = batchedReadings();
        assertThat(readings).hasSize(20).doesNotHaveDuplicates();
        assertThat(count(Topics.DEAD_LETTER)).isZero();
    }

    private Map<String, String> settings(String registryUrl) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", KAFKA.bootstrapServers());
        settings.put("schema.registry.url", registryUrl);
        settings.put("schema.registry.max.attempts", "1");
        settings.put("registry.retry.max.ms", "2000");
        settings.put("application.id", "registry-outage");
        settings.put("state.dir", dir.resolve("state").toString());
        settings.put("topics.partitions", "1");
        settings.put("batch.max.records", "5");
        settings.put("batch.max.age.ms", "1000");
        settings.put("http.host", HOST);
        settings.put("http.port", "0");
        settings.put("kafka.commit.interval.ms", "200");
        return settings;
    }

    private void send(KafkaProducer<byte[], byte[]> producer, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            String device = "env-" + i;
            String payload = "{\"id\":\"" + device + "\",\"ts\":" + now.getEpochSecond() + ",\"t\":215,\"h\":41}";
            RecordHeaders headers = new RecordHeaders();
            headers.add(TelemetryHeaders.DEVICE_ID, device.getBytes(StandardCharsets.UTF_8));
            headers.add(TelemetryHeaders.DEVICE_TYPE, "env-sensor".getBytes(StandardCharsets.UTF_8));
            headers.add(TelemetryHeaders.FORMAT_VERSION, "v1".getBytes(StandardCharsets.UTF_8));
            headers.add(TelemetryHeaders.RECEIVE_TIME, Long.toString(now.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(Topics.RAW_ENV_SENSOR, null, device.getBytes(StandardCharsets.UTF_8),
                    payload.getBytes(StandardCharsets.UTF_8), headers)).get();
        }
    }

    /** device/message id of every reading in a committed batch, in order; a doubled one shows twice. */
    private List<String> batchedReadings() {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(registry.confluentApiUrl()),
                EnvReadingBatch.class);
        List<String> readings = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : readAll(MeasurementFamily.ENV_READING.batchTopic())) {
            deserializer.deserialize(record.topic(), record.value()).getRecords()
                    .forEach(r -> readings.add(r.getDeviceId() + "/" + r.getMessageId()));
        }
        return readings;
    }

    private int count(String topic) {
        return readAll(topic).size();
    }

    private List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KAFKA.consumerConfig("verify-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
