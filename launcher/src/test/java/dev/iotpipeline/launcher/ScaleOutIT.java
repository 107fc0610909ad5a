package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.launcher.PipelineProcesses.ConnectInstance;
import dev.iotpipeline.launcher.PipelineProcesses.StreamsInstance;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.ClusterTestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline scaled out on a three-node Kafka cluster (replication factor 3,
 * {@code min.insync.replicas=2}): two bridges sharing one fleet of all five formats, two streams
 * app instances with a standby replica each, a distributed Connect cluster of two workers running
 * both sinks with two tasks each, the lake on s3proxy. Under steady QoS 1 load, one after another
 * and each while batches are open: a broker node is SIGKILLed and restarted, a streams instance is
 * SIGKILLed and replaced, a Connect worker is SIGKILLed and replaced. Then every acknowledged
 * reading is in the warehouse and the lake exactly once, batch ids are unique, the batches of a
 * partition neither overlap nor skip a sequence number, and the warehouse's ledger holds exactly
 * the batches on the batch topics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutIT {

    private static final int PARTITIONS = 4;
    private static final int TASKS = 2;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(180);
    private static final String LAKE_PREFIX = "lake";

    @TempDir
    static Path dir;

    private ClusterTestBed bed;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<StreamsInstance> streams = new ArrayList<>();
    private final List<ConnectInstance> workers = new ArrayList<>();
    private QosFleet fleet;
    private int streamsCount;
    private int workerCount;

    @BeforeAll
    void startScaledOutPipeline() throws Exception {
        bed = ClusterTestBed.start(dir.resolve("bed"));
        createSinkDeadLetterTopics();
        streams.add(startStreams());
        streams.add(startStreams());
        workers.add(startWorker());
        workers.add(startWorker());
        workers.get(0).putConnector(EmbeddedPipeline.WAREHOUSE_SINK, warehouseSink());
        workers.get(0).putConnector(EmbeddedPipeline.LAKE_SINK, lakeSink());
        awaitTasksRunning();

        Path devices = dir.resolve("devices.json");
        int[] mqttPorts = {Ports.freePort(PipelineProcesses.HOST), Ports.freePort(PipelineProcesses.HOST)};
        fleet = new QosFleet(devices, "scale", 2, mqttPorts); // provisions the fleet before the bridges read the file
        startBridge("bridge-1", mqttPorts[0], devices);
        startBridge("bridge-2", mqttPorts[1], devices);
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (fleet != null) {
            fleet.stop();
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // stop the rest regardless
            }
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void brokerStreamsAndConnectFailuresUnderLoadLoseAndDoubleNothing() throws Exception {
        fleet.start();
        awaitAcknowledged(200);

        // A broker node: the one leading the env-sensor raw partition 0, so writes must fail over.
        int victim = bed.kafka().leaderOf(Topics.RAW_ENV_SENSOR, 0);
        bed.kafka().node(victim).kill();
        awaitAcknowledged(200);
        bed.kafka().restart(victim, STEP_TIMEOUT);
        awaitAcknowledged(100);

        // A streams instance, with batches open on its partitions; a new one joins after.
        streams.get(0).jvm.kill();
        awaitAcknowledged(200);
        streams.add(startStreams());
        awaitAcknowledged(100);

        // A Connect worker, with tasks of both sinks on it; a new one joins after.
        workers.get(0).jvm.kill();
        awaitAcknowledged(200);
        workers.add(startWorker());
        awaitAcknowledged(100);
        fleet.stop();

        fleet.assertStoredExactlyOnce(bed.postgres().port(), this::lakeRows, 3);
        Map<String, List<BatchInfo>> batches = batchesByPartition();
        List<String> ids = batches.values().stream().flatMap(List::stream).map(BatchInfo::getBatchId).toList();
        assertThat(ids).as("batch ids are unique").doesNotHaveDuplicates();
        batches.forEach((partition, infos) -> {
            List<BatchInfo> ordered = infos.stream().sorted(Comparator.comparingLong(BatchInfo::getFirstOffset)).toList();
            for (int i = 0; i < ordered.size(); i++) {
                assertThat(ordered.get(i).getSequence()).as("sequence of %s batch %d", partition, i).isEqualTo(i);
                if (i > 0) {
                    assertThat(ordered.get(i).getFirstOffset()).as("%s batch %d starts after the one before", partition, i)
                            .isGreaterThan(ordered.get(i - 1).getLastOffset());
                }
            }
        });
        assertThat(ledger()).as("the warehouse ledger holds exactly the batches on the batch topics")
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(QosFleet.deadLetters(bed.kafka().bootstrapServers())).as("nothing was dead-lettered").isZero();
    }

    private StreamsInstance startStreams() {
        String name = "streams-" + (++streamsCount);
        Map<String, String> config = new HashMap<>();
        config.put("bootstrap.servers", bed.kafka().bootstrapServers());
        config.put("schema.registry.url", bed.registryUrl());
        config.put("topics.partitions", Integer.toString(PARTITIONS));
        config.put("topics.replication.factor", "3");
        config.put("replication.factor", "3");
        config.put("batch.max.records", "50");
        config.put("batch.max.age.ms", "3000");
        config.put("kafka.num.standby.replicas", "1");
        StreamsInstance instance = new StreamsInstance(name, dir.resolve(name), config).start();
        started.add(instance);
        return instance;
    }

    private ConnectInstance startWorker() {
        String name = "worker-" + (++workerCount);
        // A dead worker's tasks move after this delay (default 5 min): short here, and in the chart.
        ConnectInstance worker = new ConnectInstance(name, dir.resolve(name), bed.kafka().bootstrapServers(),
                Map.of("scheduled.rebalance.max.delay.ms", "10000", "offset.flush.interval.ms", "5000"),
                dir.resolve(name).resolve("spool")).start();
        started.add(worker);
        return worker;
    }

    private void startBridge(String instanceId, int mqttPort, Path devices) {
        Map<String, String> config = new HashMap<>();
        config.put(BridgeConfig.BOOTSTRAP_SERVERS, bed.kafka().bootstrapServers());
        config.put(BridgeConfig.INSTANCE_ID, instanceId);
        config.put(BridgeConfig.MQTT_HOST, PipelineProcesses.HOST);
        config.put(BridgeConfig.HTTP_HOST, PipelineProcesses.HOST);
        config.put(BridgeConfig.MQTT_PORT, Integer.toString(mqttPort));
        config.put(BridgeConfig.MQTT_TLS_PORT, "0");
        config.put(BridgeConfig.HTTP_PORT, "0");
        config.put(BridgeConfig.HTTPS_PORT, "0");
        config.put(BridgeConfig.MANAGEMENT_PORT, "0");
        config.put(BridgeConfig.DEVICES_FILE, devices.toString());
        config.put(BridgeConfig.SCHEMA_REGISTRY_URL, bed.registryUrl());
        started.add(IngestBridge.start(BridgeConfig.of(config)));
    }

    private Map<String, String> warehouseSink() {
        Map<String, String> config = EmbeddedPipeline.warehouseSinkConfig(bed.postgres().jdbcUrl(), bed.registryUrl());
        return scaledOut(config);
    }

    private Map<String, String> lakeSink() {
        Map<String, String> config = EmbeddedPipeline.lakeSinkConfig(dir.resolve("unused"), bed.registryUrl());
        config.remove("lake.local.dir");
        config.put("lake.storage", "s3");
        config.put("s3.bucket", ClusterTestBed.BUCKET);
        config.put("s3.prefix", LAKE_PREFIX);
        config.put("s3.endpoint", bed.s3Endpoint());
        config.put("s3.path.style.access", "true");
        config.put("s3.access.key.id", ClusterTestBed.S3_ACCESS_KEY);
        config.put("s3.secret.access.key", ClusterTestBed.S3_SECRET_KEY);
        config.put("s3.spool.dir", "${env:IOT_SPOOL_DIR}");
        return scaledOut(config);
    }

    private static Map<String, String> scaledOut(Map<String, String> config) {
        config.put("tasks.max", Integer.toString(TASKS));
        config.put("errors.deadletterqueue.topic.replication.factor", "3");
        return config;
    }

    private void createSinkDeadLetterTopics() throws Exception {
        try (var admin = bed.kafka().admin()) {
            admin.createTopics(Stream.of("warehouse", "lake").map(sink -> new NewTopic(Topics.DEAD_LETTER + "." + sink, 1, (short) 3))
                    .toList()).all().get();
        }
    }

    private void awaitTasksRunning() {
        await().atMost(STEP_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            for (String connector : List.of(EmbeddedPipeline.WAREHOUSE_SINK, EmbeddedPipeline.LAKE_SINK)) {
                assertThat(workers.get(0).taskStates(connector).values()).as(connector).hasSize(TASKS)
                        .allMatch(state -> state.startsWith("RUNNING"));
            }
        });
    }

    private void awaitAcknowledged(int more) {
        int target = fleet.acknowledged.size() + more;
        await().atMost(STEP_TIMEOUT).until(() -> fleet.acknowledged.size() >= target);
    }

    /** The lake as written to the object store, read with DuckDB from a fresh local copy. */
    private List<String> lakeRows() throws Exception {
        Path copy = Files.createTempDirectory(dir, "lake-copy");
        bed.copyObjects(LAKE_PREFIX, copy);
        return QosFleet.lake(copy);
    }

    /** Every batch on the batch topics (read_committed), by family and source partition. */
    private Map<String, List<BatchInfo>> batchesByPartition() {
        var envDeserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(bed.registryUrl()), EnvReadingBatch.class);
        var positionDeserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(bed.registryUrl()), PositionBatch.class);
        Map<String, List<BatchInfo>> batches = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(MeasurementFamily.ENV_READING.batchTopic(), MeasurementFamily.POSITION.batchTopic()));
            int quietPolls = 0;
            while (quietPolls < 6) {
                var polled = consumer.poll(Duration.ofMillis(500));
                quietPolls = polled.isEmpty() ? quietPolls + 1 : 0;
                for (ConsumerRecord<String, byte[]> record : polled) {
                    BatchInfo info = record.topic().equals(MeasurementFamily.ENV_READING.batchTopic())
                            ? envDeserializer.deserialize(record.topic(), record.value()).getInfo()
                            : positionDeserializer.deserialize(record.topic(), record.value()).getInfo();
                    batches.computeIfAbsent(info.getFamily() + "-" + info.getSourcePartition(), k -> new ArrayList<>()).add(info);
                }
            }
        }
        return batches;
    }

    private List<String> ledger() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection sql = DriverManager.getConnection(bed.postgres().jdbcUrl(), "iot", "iot");
             ResultSet rows = sql.createStatement().executeQuery("SELECT batch_id FROM iot.loaded_batches")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", bed.kafka().bootstrapServers(), "group.id", "scale-verify-" + System.nanoTime(),
                "auto.offset.reset", "earliest", "isolation.level", "read_committed", "enable.auto.commit", "false"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
