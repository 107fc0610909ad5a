package dev.iotpipeline.connect.lake;

import static dev.iotpipeline.connect.common.TestBatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.connect.common.BatchLoad;
import dev.iotpipeline.connect.common.TaskMetrics;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.embedded.ConnectWorker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.testing.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The connector writing to S3 (an in-process s3proxy), including a file large enough for a multipart upload. */
class LakeSinkS3IT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    static final String ENV_TOPIC = "iot.batch.env_reading";
    static final String POSITION_TOPIC = "iot.batch.position";
    static final String BUCKET = S3Server.BUCKET;
    static final String ACCESS_KEY = S3Server.ACCESS_KEY;
    static final String SECRET_KEY = S3Server.SECRET_KEY;
    static final long FIVE_MIB = 5L * 1024 * 1024;

    @TempDir
    static Path dir;

    /** Outlives an s3proxy stopped in a test, as a real store outlives its endpoint. */
    static final BlobStore BLOBS = new TransientNio2BlobStore();

    static S3Proxy s3proxy;
    static S3Client s3;
    static ConnectWorker connect;

    @BeforeAll
    static void start() throws Exception {
        s3proxy = startS3proxy(0);
        s3 = S3Server.client(endpoint());
        s3.createBucket(b -> b.bucket(BUCKET));

        try (var admin = KAFKA.admin()) {
            Map<String, String> bigBatches = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(16 << 20));
            admin.createTopics(List.of(new NewTopic(ENV_TOPIC, 1, (short) 1).configs(bigBatches),
                    new NewTopic(POSITION_TOPIC, 1, (short) 1).configs(bigBatches),
                    new NewTopic("iot.deadletter.lake-s3", 1, (short) 1))).all().get();
        }
        connect = ConnectWorker.start(KAFKA.bootstrapServers(), Ports.freePort("127.0.0.1"), dir.resolve("connect"));
        Map<String, String> config = LakeSinkIT.connectorConfig(dir.resolve("unused"), "iot.deadletter.lake-s3", KAFKA.registryUrl());
        config.remove("lake.local.dir");
        config.put("lake.storage", "s3");
        config.put("s3.bucket", BUCKET);
        config.put("s3.prefix", "lake");
        config.put("s3.endpoint", endpoint());
        config.put("s3.path.style.access", "true");
        config.put("s3.access.key.id", ACCESS_KEY);
        config.put("s3.secret.access.key", SECRET_KEY);
        config.put("s3.multipart.threshold.bytes", Long.toString(FIVE_MIB));
        config.put("s3.part.size.bytes", Long.toString(FIVE_MIB));
        config.put("s3.spool.dir", dir.resolve("spool").toString());
        config.put("parquet.compression", "snappy");
        assertThat(new LakeSinkConnector().validate(config).configValues()).allSatisfy(v -> assertThat(v.errorMessages()).isEmpty());
        connect.putConnector("lake-s3", config);
    }

    static S3Proxy startS3proxy(int port) throws Exception {
        return S3Server.startProxy(BLOBS, port);
    }

    static String endpoint() {
        return S3Server.endpoint(s3proxy);
    }

    @AfterAll
    static void stop() throws Exception {
        if (connect != null) {
            connect.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (s3proxy != null) {
            s3proxy.stop();
        }
    }

    @Test
    void batchesBecomeObjectsAndALargeOneIsAMultipartUploadThatDuckDbReadsBack() throws Exception {
        send(ENV_TOPIC, TestBatches.envBatch(0, 0, List.of(TestBatches.env("s3-small", "m1", T0, 21.5))));
        List<EnvReading> large = largeBatch(60_000);
        send(ENV_TOPIC, TestBatches.envBatch(0, 1, large));

        String smallKey = "lake/env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-0-0_2025-11-23T21.parquet";
        String largeKey = "lake/env_readings/event_date=2025-11-23/event_hour=21/env_reading-0-1-60000_2025-11-23T21.parquet";
        await().atMost(Duration.ofSeconds(120)).until(() -> keys().containsAll(List.of(smallKey, largeKey)));

        var head = s3.headObject(b -> b.bucket(BUCKET).key(largeKey));
        assertThat(head.contentLength()).as("large enough for two parts").isGreaterThan(FIVE_MIB);
        assertThat(head.eTag()).as("a multipart object's ETag names its part count").endsWith("-2\"");
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(smallKey)).eTag()).doesNotContain("-");
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).as("no upload left open").isEmpty();

        Path local = download("lake/");
        String table = DuckDb.table(local.resolve("lake"), "env_readings");
        assertThat(DuckDb.count("SELECT count(*) FROM " + table + " WHERE device_id LIKE 's3-%'")).isEqualTo(60_001);
        assertThat(DuckDb.count("SELECT count(DISTINCT message_id) FROM " + table + " WHERE device_id = 's3-large'")).isEqualTo(60_000);
        List<Object> row = DuckDb.rows("SELECT event_time, temperature_c, firmware, CAST(event_hour AS INTEGER) FROM " + table
                + " WHERE message_id LIKE 'big-12345-%'").get(0);
        assertThat(((OffsetDateTime) row.get(0)).toInstant()).isEqualTo(large.get(12345).getEventTime());
        assertThat(row.subList(1, 4)).containsExactly(large.get(12345).getTemperatureC(), large.get(12345).getFirmware(), 21);
        assertThat(DuckDb.rows("SELECT DISTINCT compression FROM parquet_metadata('" + local.resolve(smallKey) + "')"))
                .containsExactly(List.of("SNAPPY"));
    }

    @Test
    void aStoppedS3EndpointIsRetriedAndNoFileIsLostDoubledOrLeftHalfWritten() throws Exception {
        int port = s3proxy.getPort();
        BatchLoad load = BatchLoad.start(KAFKA.producerConfig(), KAFKA.registryUrl(), ENV_TOPIC, 20);
        try (load) {
            await().atMost(Duration.ofSeconds(60)).until(() -> loadKeys().size() >= 3);
            s3proxy.stop();
            await().atMost(Duration.ofSeconds(60)).until(() -> TaskMetrics.total("lake-s3", "retries-total") > 0);
            int sentBeforeOutage = load.batches();
            // Unreachable for 20 s while batches keep coming; the tasks never fail.
            await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(50)).until(() -> connect.status("lake-s3").tasks()
                    .stream().allMatch(t -> "RUNNING".equals(t.state())));
            assertThat(load.batches()).as("batches kept arriving during the outage").isGreaterThan(sentBeforeOutage);
            s3proxy = startS3proxy(port);
        }

        int batches = load.batches();
        await().atMost(Duration.ofSeconds(120)).until(() -> loadKeys().size() == batches);
        // Batches redelivered after the outage are written again under the same names (the same bytes). A download
        // racing such a rewrite on S3proxy's in-memory store once got NoSuchKey for a listed key; real S3 replaces
        // an object atomically. So read once the listing (keys, ETags, times) has not changed for a while.
        AtomicReference<Map<String, String>> seen = new AtomicReference<>(Map.of());
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(90)).until(() -> {
            Map<String, String> now = new TreeMap<>();
            s3.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().forEach(o -> now.put(o.key(), o.eTag() + " " + o.lastModified()));
            return now.equals(seen.getAndSet(now));
        });
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).as("no upload left open").isEmpty();
        Path local = download("lake/");
        String table = DuckDb.table(local.resolve("lake"), "env_readings");
        // DuckDB reads every object: none is half-written; each reading once.
        assertThat(DuckDb.count("SELECT count(*) FROM " + table + " WHERE device_id LIKE 'fault-%'")).isEqualTo(batches * 20L);
        assertThat(DuckDb.count("SELECT count(DISTINCT message_id) FROM " + table + " WHERE device_id LIKE 'fault-%'"))
                .isEqualTo(batches * 20L);
    }

    /** The load's files: one per batch (all its readings are in one hour). */
    private static List<String> loadKeys() {
        return keys().stream().filter(k -> k.contains("/env_reading-9-")).toList();
    }

    /**
     * Readings with 120 incompressible characters each (a 64-character firmware and a 56-character
     * message id suffix, both within the contract's bounds): the file is several MiB.
     */
    private static List<EnvReading> largeBatch(int count) {
        Random random = new Random(42);
        List<EnvReading> readings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            readings.add(EnvReading.newBuilder(TestBatches.env("s3-large", "big-" + i + "-" + letters(random, 56), T0.plusMillis(i),
                    random.nextDouble() * 40)).setFirmware(letters(random, 64)).build());
        }
        return readings;
    }

    private static String letters(Random random, int count) {
        StringBuilder text = new StringBuilder(count);
        for (int c = 0; c < count; c++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static List<String> keys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key).toList();
    }

    private static Path download(String prefix) throws Exception {
        Path local = Files.createDirectories(dir.resolve("download"));
        for (String key : keys()) {
            if (key.startsWith(prefix)) {
                Path target = local.resolve(key);
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                s3.getObject(b -> b.bucket(BUCKET).key(key), target);
            }
        }
        return local;
    }

    private static void send(String topic, org.apache.avro.specific.SpecificRecord batch) throws Exception {
        Map<String, Object> producerConfig = KAFKA.producerConfig();
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "k",
                    TestBatches.wire(RestSchemaRegistryClient.forUrl(KAFKA.registryUrl()), topic, batch))).get();
        }
    }
}
