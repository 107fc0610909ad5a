package dev.iotpipeline.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.testing.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The serdes against the real broker and the real schema registry. */
class ConfluentAvroSerdeIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void recordsRoundTripThroughTheBrokerAndTheRegistry() {
        String topic = "serde-roundtrip";
        KAFKA.createTopics(2, topic);
        List<EnvReading> sent = readings(20);
        produce(topic, sent);

        Map<String, Object> config = KAFKA.consumerConfig("roundtrip");
        config.put("schema.registry.url", KAFKA.registryUrl());
        config.put(AvroSerdeConfig.SPECIFIC_VALUE_TYPE, EnvReading.class.getName());
        List<EnvReading> received = new ArrayList<>();
        try (KafkaConsumer<String, EnvReading> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                configured(new ConfluentAvroDeserializer<>(), config))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
            }
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
    }

    /** A consumer that knows only the Confluent wire format and REST API, not our classes or client. */
    @Test
    void aPlainConfluentFormatConsumerDecodesWhatWeProduce() throws Exception {
        String topic = "serde-wire-format";
        KAFKA.createTopics(1, topic);
        EnvReading reading = readings(1).get(0);
        produce(topic, List.of(reading));

        ConsumerRecord<String, byte[]> record;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KAFKA.consumerConfig("wire"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(records).hasSize(1);
            record = records.get(0);
        }

        ByteBuffer payload = ByteBuffer.wrap(record.value());
        assertThat(payload.get()).as("magic byte").isZero();
        int id = payload.getInt();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(KAFKA.registryUrl() + "/schemas/ids/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Schema writer = new Schema.Parser().parse(new ObjectMapper().readTree(response.body()).get("schema").asText());
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer).read(null,
                DecoderFactory.get().binaryDecoder(record.value(), 5, record.value().length - 5, null));

        assertThat(writer.getFullName()).isEqualTo("dev.iotpipeline.schemas.canonical.EnvReading");
        assertThat(decoded.get("device_id").toString()).isEqualTo(reading.getDeviceId());
        assertThat(decoded.get("event_time")).isEqualTo(reading.getEventTime().toEpochMilli());
        assertThat(decoded.get("temperature_c")).isEqualTo(reading.getTemperatureC());
        assertThat(decoded.get("battery_pct")).isNull();
        assertThat(decoded.get("message_id").toString()).isEqualTo(reading.getMessageId());
    }

    private static void produce(String topic, List<EnvReading> readings) {
        Map<String, Object> config = KAFKA.producerConfig();
        config.put("schema.registry.url", KAFKA.registryUrl());
        try (KafkaProducer<String, EnvReading> producer = new KafkaProducer<>(config, new StringSerializer(),
                configured(new ConfluentAvroSerializer<>(), config))) {
            readings.forEach(r -> producer.send(new ProducerRecord<>(topic, r.getDeviceId(), r)));
            producer.flush();
        }
    }

    private static <S extends org.apache.kafka.common.serialization.Serializer<EnvReading>> S configured(S serializer,
            Map<String, Object> config) {
        serializer.configure(config, false);
        return serializer;
    }

    private static <D extends org.apache.kafka.common.serialization.Deserializer<EnvReading>> D configured(D deserializer,
            Map<String, Object> config) {
        deserializer.configure(config, false);
        return deserializer;
    }

    private static List<EnvReading> readings(int count) {
        List<EnvReading> readings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            readings.add(EnvReading.newBuilder(ConfluentAvroSerdeTest.reading())
                    .setDeviceId("env-" + (i % 4))
                    .setEventTime(Instant.parse("2025-11-23T21:33:20.250Z").plusSeconds(i))
                    .setTemperatureC(i % 2 == 0 ? null : -12.25 + i)
                    .setMessageId("m-" + i)
                    .build());
        }
        return readings;
    }
}
