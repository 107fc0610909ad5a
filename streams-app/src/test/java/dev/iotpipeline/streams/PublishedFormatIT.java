package dev.iotpipeline.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.FormatHeaders;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A descriptor published to a running instance on the real broker, as {@code ./pipeline formats
 * add} writes it (in a transaction): the next v4 reading converts, an aborted publication is never
 * applied, an instance started afterwards converts with it from the start, and a tombstone withdraws it.
 */
class PublishedFormatIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    private static final String V4 = "env-sensor/v4";
    private static final String V5 = "env-sensor/v5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path stateDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aPublishedDescriptorGoesLiveWithoutARestartAndARestartedInstanceStartsWithIt() throws Exception {
        Map<String, String> settings = Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "schema.registry.url", KAFKA.registryUrl(), "application.id", "published-formats",
                "state.dir", stateDir.resolve("first-instance").toString(), "topics.partitions", "1", "http.host", "127.0.0.1", "http.port", "0");
        String v4 = text("/descriptors/env-sensor-v4.yaml");
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(KAFKA.producerConfig(), new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaProducer<String, byte[]> publisher = transactional();
             KafkaConsumer<byte[], byte[]> deadLetters = consumer("dead-letters", Topics.DEAD_LETTER);
             KafkaConsumer<byte[], byte[]> canonical = consumer("canonical", MeasurementFamily.ENV_READING.canonicalTopic())) {
            try (StreamsApp app = StreamsApp.start(StreamsAppConfig.of(settings))) {
                app.awaitRunning(WAIT);
                // Created as './pipeline formats add' would create it: compacted, one partition (one order of changes).
                assertThat(KAFKA.admin().describeTopics(List.of(Topics.FORMATS)).allTopicNames().get().get(Topics.FORMATS)
                        .partitions()).hasSize(1);
                ConfigResource formatsTopic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.FORMATS);
                assertThat(KAFKA.admin().describeConfigs(List.of(formatsTopic)).all().get().get(formatsTopic)
                        .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
                raw.send(reading("normal.bin")).get();
                assertThat(reason(next(deadLetters))).isEqualTo("unknown-format");

                // An aborted publication (of a v5) before the committed v4 one: read_committed never applies it.
                publisher.beginTransaction();
                publisher.send(publication(V5, v4.replace("format: " + V4, "format: " + V5), 1));
                publisher.flush();
                publisher.abortTransaction();
                publish(publisher, publication(V4, v4, 1));
                awaitRevision(app, Optional.of("1"));
                assertThat(revision(app, V5)).isEmpty();
                raw.send(reading("normal.bin")).get();
                assertThat(envReading(next(canonical)).getMessageId()).isEqualTo("v4-4711");
            }

            // A new instance (its own, empty state directory) restores the formats from the topic before its tasks run:
            // in force from its first reading, with no wait, revision included.
            Map<String, String> newInstance = new HashMap<>(settings);
            newInstance.put("state.dir", stateDir.resolve("new-instance").toString());
            try (StreamsApp restarted = StreamsApp.start(StreamsAppConfig.of(newInstance))) {
                restarted.awaitRunning(WAIT);
                assertThat(revision(restarted)).contains("1");
                raw.send(reading("freezing-low-battery.bin")).get();
                assertThat(envReading(next(canonical)).getSourceFormat()).isEqualTo(V4);

                publish(publisher, new ProducerRecord<>(Topics.FORMATS, V4, null));
                awaitRevision(restarted, Optional.empty());
                raw.send(reading("sensor-fault.bin")).get();
                assertThat(reason(next(deadLetters))).isEqualTo("unknown-format");
            }
        }
    }

    private KafkaProducer<String, byte[]> transactional() {
        Map<String, Object> config = KAFKA.producerConfig();
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "published-format-it");
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private static void publish(KafkaProducer<String, byte[]> publisher, ProducerRecord<String, byte[]> record) {
        publisher.beginTransaction();
        publisher.send(record);
        publisher.commitTransaction();
    }

    private static ProducerRecord<String, byte[]> publication(String format, String yaml, int revision) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(FormatHeaders.REVISION, Integer.toString(revision).getBytes(StandardCharsets.UTF_8));
        headers.add(FormatHeaders.PUBLISHED_BY, "it".getBytes(StandardCharsets.UTF_8));
        headers.add(FormatHeaders.PUBLISHED_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(Topics.FORMATS, null, format, yaml.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static ProducerRecord<byte[], byte[]> reading(String sample) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(TelemetryHeaders.DEVICE_ID, "env-0001".getBytes(StandardCharsets.UTF_8));
        headers.add(TelemetryHeaders.DEVICE_TYPE, "env-sensor".getBytes(StandardCharsets.UTF_8));
        headers.add(TelemetryHeaders.FORMAT_VERSION, "v4".getBytes(StandardCharsets.UTF_8));
        headers.add(TelemetryHeaders.RECEIVE_TIME, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(Topics.RAW_ENV_SENSOR, null, "env-0001".getBytes(StandardCharsets.UTF_8),
                bytes("/descriptors/env-sensor/v4/" + sample), headers);
    }

    private Optional<String> revision(StreamsApp app) throws IOException, InterruptedException {
        return revision(app, V4);
    }

    /** The revision of {@code sourceFormat} that {@code /formats} lists, if it lists the format. */
    private Optional<String> revision(StreamsApp app, String sourceFormat) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/formats")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (JsonNode format : JSON.readTree(body)) {
            if (format.path("format").asText().equals(sourceFormat)) {
                return Optional.of(format.path("revision").asText());
            }
        }
        return Optional.empty();
    }

    private void awaitRevision(StreamsApp app, Optional<String> expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!revision(app).equals(expected)) {
            assertThat(System.nanoTime()).as("/formats shows %s for %s", expected, V4).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String group, String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KAFKA.consumerConfig(group), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** The next record of the topic; the consumer keeps its position between calls. */
    private static ConsumerRecord<byte[], byte[]> next(KafkaConsumer<byte[], byte[]> consumer) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                // One record at a time: go back to the next one for the following call.
                consumer.seek(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                return record;
            }
        }
        throw new AssertionError("no record within " + WAIT);
    }

    private static String reason(ConsumerRecord<byte[], byte[]> deadLetter) {
        return new String(deadLetter.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8);
    }

    private static EnvReading envReading(ConsumerRecord<byte[], byte[]> record) {
        return new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()), EnvReading.class)
                .deserialize(record.topic(), record.value());
    }

    private static String text(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = PublishedFormatIT.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
