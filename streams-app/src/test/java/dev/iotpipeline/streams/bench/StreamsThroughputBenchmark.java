package dev.iotpipeline.streams.bench;

import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.StreamsApp;
import dev.iotpipeline.streams.StreamsAppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Conversion + deduplication + batching against a bare consume-and-produce Kafka Streams pipe,
 * on the same raw bytes, broker and exactly-once settings, in one run: a first pass on a cold JVM
 * and a second pass, both restarted, on as many new readings. Bounded by the record count and by
 * ten minutes per measurement. From the repository root (the first command builds and installs the
 * modules it needs, the registry's runner jar included):
 *
 * <pre>
 * mvn -B -q install -DskipTests -pl streams-app -am
 * mvn -B -q -pl streams-app exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.iotpipeline.streams.bench.StreamsThroughputBenchmark -Dexec.args=200000
 * </pre>
 *
 * Further arguments are app settings, e.g. {@code -Dexec.args="200000 kafka.commit.interval.ms=500"}.
 */
public final class StreamsThroughputBenchmark {

    private static final String COPY_TOPIC = "bench.copy";
    private static final int PARTITIONS = 2;

    private StreamsThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path dir = Files.createTempDirectory("streams-bench");
        try (KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"), Ports.freePort("127.0.0.1")))
                .start(Duration.ofSeconds(60));
             SchemaRegistryServer registry = new SchemaRegistryServer(new SchemaRegistryServer.Settings(
                     SchemaRegistryServer.locateRunnerJar(), "127.0.0.1", Ports.freePort("127.0.0.1"), Optional.empty(),
                     dir.resolve("registry.log"))).start(Duration.ofSeconds(60));
             Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            String bootstrap = broker.bootstrapServers();
            admin.createTopics(List.of(new NewTopic(Topics.RAW_ENV_SENSOR, PARTITIONS, (short) 1),
                    new NewTopic(COPY_TOPIC, PARTITIONS, (short) 1))).all().get();
            Map<String, String> appSettings = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
                    "schema.registry.url", registry.confluentApiUrl(), "state.dir", dir.resolve("app").toString(),
                    "topics.partitions", Integer.toString(PARTITIONS), "batch.max.age.ms", "1000", "http.port", "-1"));
            // Further app settings as key=value arguments, e.g. kafka.commit.interval.ms=1000.
            for (int i = 1; i < args.length; i++) {
                appSettings.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
            }
            var batches = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(registry.confluentApiUrl()),
                    EnvReadingBatch.class);
            // Pass 1 starts both on a cold JVM (JIT compilation included); pass 2 restarts both, warm, on as many new
            // readings, from their committed offsets and state.
            for (int pass = 1; pass <= 2; pass++) {
                long bytes = produce(bootstrap, (pass - 1) * count, pass * count, 2 * count);
                System.out.printf("Pass %d (%s): %,d new env-sensor/v2 JSON messages, %,d payload bytes, %d partitions%n",
                        pass, pass == 1 ? "cold JVM" : "warm JVM, both restarted", count, bytes, PARTITIONS);
                double pipe = measure("bare pipe (Kafka Streams, EOS v2, bytes in -> bytes out)", count, pass,
                        () -> pipe(bootstrap, dir), bootstrap, COPY_TOPIC, record -> 1);
                double pipeline = measure("convert + dedup + batch (StreamsApp, EOS v2)", count, pass,
                        () -> StreamsApp.start(StreamsAppConfig.of(appSettings)),
                        bootstrap, MeasurementFamily.ENV_READING.batchTopic(),
                        record -> batches.deserialize(record.topic(), record.value()).getInfo().getRecordCount());
                System.out.printf("Result, pass %d: the pipeline runs at %.0f%% of the bare pipe's throughput%n", pass,
                        100 * pipeline / pipe);
            }
        }
    }

    private interface Starter {
        AutoCloseable start() throws Exception;
    }

    /** Starts a pipeline and waits until a read_committed reader has seen the output of {@code pass * count} inputs. */
    private static double measure(String name, int count, int pass, Starter starter, String bootstrap, String outputTopic,
                                  ToLongFunction<ConsumerRecord<byte[], byte[]>> recordsIn) throws Exception {
        long started = System.nanoTime();
        Instant startedAt = Instant.now();
        try (AutoCloseable app = starter.start();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                     "group.id", "bench-verify-" + outputTopic + "-" + pass, "auto.offset.reset", "earliest",
                     "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(outputTopic));
            long seen = 0;
            while (seen < (long) pass * count) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    seen += recordsIn.applyAsLong(record);
                }
                if (System.nanoTime() - started > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException(name + ": only " + seen + " of " + count + " after 10 minutes");
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = count / seconds;
        System.out.printf("%-60s %,10.0f records/s  (%,d records in %.1f s, start-up included; %s .. %s)%n", name, rate,
                count, seconds, startedAt, Instant.now());
        return rate;
    }

    private static AutoCloseable pipe(String bootstrap, Path dir) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(Topics.RAW_ENV_SENSOR, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(COPY_TOPIC, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-pipe");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("pipe").toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.start();
        // Leaves the group as StreamsApp.close() does, so the restart in pass 2 does not wait out the old member.
        return () -> streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }

    /** Readings {@code from} (inclusive) to {@code to}, one a second up to now, the last of {@code total} being now. */
    private static long produce(String bootstrap, int from, int to, int total) throws Exception {
        long bytes = 0;
        Instant now = Instant.now();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", 5, "compression.type", "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                String device = "env-" + (i % 1000);
                byte[] payload = ("{\"v\":2,\"device\":{\"id\":\"" + device + "\",\"fw\":\"2.3.1\"},\"time\":\""
                        + now.minusSeconds(total - i) + "\",\"readings\":{\"temperature\":{\"value\":" + (i % 900) / 10.0
                        + ",\"unit\":\"F\"},\"humidity\":0.41},\"battery\":{\"voltage\":3.71},\"msgId\":\"m" + i + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                RecordHeaders headers = new RecordHeaders();
                headers.add(TelemetryHeaders.DEVICE_ID, device.getBytes(StandardCharsets.UTF_8));
                headers.add(TelemetryHeaders.DEVICE_TYPE, "env-sensor".getBytes(StandardCharsets.UTF_8));
                headers.add(TelemetryHeaders.FORMAT_VERSION, "v2".getBytes(StandardCharsets.UTF_8));
                headers.add(TelemetryHeaders.RECEIVE_TIME, Long.toString(now.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(Topics.RAW_ENV_SENSOR, null, device.getBytes(StandardCharsets.UTF_8),
                        payload, headers));
                bytes += payload.length;
            }
        }
        return bytes;
    }
}
