package dev.iotpipeline.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once on the real broker and registry: an instance is killed (SIGKILL, no clean close)
 * mid-stream, a new one resumes on the same state directory, and a read_committed reader finds
 * every valid reading in exactly one batch and every invalid one in the dead-letter topic.
 */
class ExactlyOnceCrashIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    @TempDir
    Path stateDir;

    private final Instant now = Instant.now();
    private final Set<String> expectedEnv = new HashSet<>();
    private final Set<String> expectedPositions = new HashSet<>();
    private final Map<String, Integer> expectedDeadLetters = new TreeMap<>();

    @Test
    void aCrashedInstanceLosesAndDoublesNothing() throws Exception {
        List<ProducerRecord<byte[], byte[]>> input = input();
        int firstHalf = input.size() / 2;
        Map<String, String> settings = settings();
        // Raw topics exist before anything is produced, as in a deployment (the bridge never creates them).
        KAFKA.createTopics(2, Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER);

        Process crashing = startChild(settings);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            send(producer, input.subList(0, firstHalf));
            awaitSomeBatches();
            // Keep feeding while the first instance works, and kill it in the middle of that.
            int killAt = firstHalf + (input.size() - firstHalf) / 2;
            for (int i = firstHalf; i < killAt; i += 25) {
                send(producer, input.subList(i, Math.min(i + 25, killAt)));
                Thread.sleep(20);
            }
            crashing.destroyForcibly().waitFor();
            send(producer, input.subList(killAt, input.size()));
        }

        try (StreamsApp resumed = StreamsApp.start(StreamsAppConfig.of(settings))) {
            resumed.awaitRunning(Duration.ofSeconds(60));
            Outcome outcome = awaitAll();

            assertThat(outcome.envKeys).hasSize(expectedEnv.size()).containsExactlyInAnyOrderElementsOf(expectedEnv);
            assertThat(outcome.positionKeys).hasSize(expectedPositions.size())
                    .containsExactlyInAnyOrderElementsOf(expectedPositions);
            assertThat(outcome.batchIds).doesNotHaveDuplicates();
            outcome.sequences.forEach((partition, sequences) ->
                    assertThat(sequences).as("batch sequences of " + partition)
                            .containsExactlyElementsOf(java.util.stream.LongStream.range(0, sequences.size()).boxed().toList()));
            assertThat(outcome.deadLetters).isEqualTo(expectedDeadLetters);
        }
    }

    private Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", KAFKA.bootstrapServers());
        settings.put("schema.registry.url", KAFKA.registryUrl());
        settings.put("application.id", "crash-test");
        settings.put("state.dir", stateDir.toString());
        settings.put("topics.partitions", "2");
        settings.put("batch.max.records", "40");
        settings.put("batch.max.age.ms", "1000");
        settings.put("http.port", "-1");
        settings.put("kafka.commit.interval.ms", "200");
        // The killed instance never leaves its group; a short session lets the new one take over sooner.
        settings.put("kafka.consumer.session.timeout.ms", "6000");
        settings.put("kafka.consumer.heartbeat.interval.ms", "1000");
        return settings;
    }

    private List<ProducerRecord<byte[], byte[]>> input() {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        long eventSeconds = now.minus(Duration.ofHours(1)).getEpochSecond();
        for (int i = 0; i < 1200; i++) {
            String device = "env-" + (i % 12);
            String json = "{\"device\":{\"id\":\"" + device + "\"},\"time\":\"" + Instant.ofEpochSecond(eventSeconds + i)
                    + "\",\"readings\":{\"temperature\":{\"value\":" + (i % 50) + ",\"unit\":\"C\"},\"humidity\":0.5},"
                    + "\"msgId\":\"m" + i + "\"}";
            records.add(RawRecords.raw(Topics.RAW_ENV_SENSOR, device, "env-sensor", "v2", json.getBytes(StandardCharsets.UTF_8), now));
            expectedEnv.add(device + "/m" + i);
            if (i % 10 == 0) {
                records.add(records.get(records.size() - 1)); // a QoS 1 redelivery
            }
        }
        for (int i = 0; i < 300; i++) {
            String device = "trk-" + (i % 5);
            long millis = (eventSeconds + i) * 1000;
            String json = "{\"deviceId\":\"" + device + "\",\"ts\":" + millis
                    + ",\"position\":{\"type\":\"Point\",\"coordinates\":[139.7," + (i % 80) + "]}}";
            records.add(RawRecords.raw(Topics.RAW_GPS_TRACKER, device, "gps-tracker", "v2", json.getBytes(StandardCharsets.UTF_8), now));
            expectedPositions.add(device + "/ts-" + millis);
        }
        for (int i = 0; i < 60; i++) {
            byte[] badCrc = ByteBuffer.allocate(16).put((byte) 3).putShort((short) i).array();
            records.add(RawRecords.raw(Topics.RAW_ENV_SENSOR, "env-" + i, "env-sensor", "v3", badCrc, now));
            expectedDeadLetters.merge("bad-crc", 1, Integer::sum);
        }
        for (int i = 0; i < 40; i++) {
            String json = "{\"deviceId\":\"trk-other\",\"ts\":1,\"position\":{\"type\":\"Point\",\"coordinates\":[0,0]}}";
            records.add(RawRecords.raw(Topics.RAW_GPS_TRACKER, "trk-" + i, "gps-tracker", "v2", json.getBytes(StandardCharsets.UTF_8), now));
            expectedDeadLetters.merge("device-id-mismatch", 1, Integer::sum);
        }
        java.util.Collections.shuffle(records, new java.util.Random(7));
        return records;
    }


    /** Sends and waits for every acknowledgement: the input itself must be complete. */
    private static void send(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
            throws Exception {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        records.forEach(record -> acks.add(producer.send(record)));
        producer.flush();
        for (var ack : acks) {
            ack.get();
        }
    }

    private Process startChild(Map<String, String> settings) throws Exception {
        Path config = Files.createTempFile(stateDir.getParent(), "streams", ".properties");
        StringBuilder text = new StringBuilder();
        settings.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, text);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Path.of("target", "crash-it-first-instance.log");
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                StreamsAppMain.class.getName(), config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitSomeBatches() throws InterruptedException {
        try (KafkaConsumer<String, byte[]> consumer = consumer("await-some")) {
            consumer.subscribe(List.of(MeasurementFamily.ENV_READING.batchTopic()));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (consumer.poll(Duration.ofMillis(500)).isEmpty()) {
                assertThat(System.nanoTime()).as("a first batch from the first instance").isLessThan(deadline);
            }
        }
    }

    private Outcome awaitAll() {
        Outcome outcome = new Outcome();
        var envDeserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()),
                EnvReadingBatch.class);
        var positionDeserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()),
                PositionBatch.class);
        try (KafkaConsumer<String, byte[]> consumer = consumer("verify")) {
            consumer.subscribe(List.of(MeasurementFamily.ENV_READING.batchTopic(), MeasurementFamily.POSITION.batchTopic(),
                    Topics.DEAD_LETTER));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            int quietPolls = 0;
            while (System.nanoTime() < deadline && quietPolls < 8) {
                var polled = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> record : polled) {
                    if (record.topic().equals(Topics.DEAD_LETTER)) {
                        var reason = record.headers().lastHeader(DeadLetterHeaders.REASON);
                        outcome.deadLetters.merge(new String(reason.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                    } else if (record.topic().equals(MeasurementFamily.ENV_READING.batchTopic())) {
                        EnvReadingBatch batch = envDeserializer.deserialize(record.topic(), record.value());
                        outcome.add(batch.getInfo());
                        batch.getRecords().forEach(r -> outcome.envKeys.add(r.getDeviceId() + "/" + r.getMessageId()));
                    } else {
                        PositionBatch batch = positionDeserializer.deserialize(record.topic(), record.value());
                        outcome.add(batch.getInfo());
                        batch.getRecords().forEach(r -> outcome.positionKeys.add(r.getDeviceId() + "/" + r.getMessageId()));
                    }
                }
                boolean complete = outcome.envKeys.size() >= expectedEnv.size()
                        && outcome.positionKeys.size() >= expectedPositions.size();
                quietPolls = complete && polled.isEmpty() ? quietPolls + 1 : 0;
            }
        }
        return outcome;
    }

    private KafkaConsumer<String, byte[]> consumer(String group) {
        Map<String, Object> config = KAFKA.consumerConfig(group);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** What a read_committed reader saw; lists, not sets, so a doubled reading shows. */
    private static final class Outcome {
        final List<String> envKeys = new ArrayList<>();
        final List<String> positionKeys = new ArrayList<>();
        final List<String> batchIds = new ArrayList<>();
        final Map<String, List<Long>> sequences = new TreeMap<>();
        final Map<String, Integer> deadLetters = new TreeMap<>();

        void add(BatchInfo info) {
            batchIds.add(info.getBatchId());
            sequences.computeIfAbsent(info.getFamily() + "-" + info.getSourcePartition(), k -> new ArrayList<>())
                    .add(info.getSequence());
        }
    }
}
