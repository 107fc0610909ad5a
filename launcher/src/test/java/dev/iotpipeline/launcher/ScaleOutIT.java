package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.ClusterTestBed;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

    @TempDir
    static Path dir;

    private ScaledOutPipeline pipeline;
    private ClusterTestBed bed;
    private QosFleet fleet;

    @BeforeAll
    void startScaledOutPipeline() throws Exception {
        pipeline = ScaledOutPipeline.start(dir, PARTITIONS, TASKS, Map.of("batch.max.records", "50", "batch.max.age.ms", "3000"));
        bed = pipeline.bed();
        pipeline.addStreams();
        pipeline.addStreams();
        pipeline.addWorker();
        pipeline.addWorker();
        pipeline.startSinks();

        Path devices = dir.resolve("devices.json");
        int[] mqttPorts = {Ports.freePort(PipelineProcesses.HOST), Ports.freePort(PipelineProcesses.HOST)};
        fleet = new QosFleet(devices, "scale", 2, mqttPorts); // provisions the fleet before the bridges read the file
        pipeline.addBridge("bridge-1", mqttPorts[0], devices, Map.of());
        pipeline.addBridge("bridge-2", mqttPorts[1], devices, Map.of());
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (fleet != null) {
            fleet.stop();
        }
        if (pipeline != null) {
            pipeline.close();
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
        pipeline.streams().get(0).jvm.kill();
        awaitAcknowledged(200);
        pipeline.addStreams();
        awaitAcknowledged(100);

        // A Connect worker, with tasks of both sinks on it; a new one joins after.
        pipeline.workers().get(0).jvm.kill();
        awaitAcknowledged(200);
        pipeline.addWorker();
        awaitAcknowledged(100);
        fleet.stop();

        fleet.assertStoredExactlyOnce(bed.postgres().port(), () -> QosFleet.lake(pipeline.copyLake()), 3);
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

    private void awaitAcknowledged(int more) {
        int target = fleet.acknowledged.size() + more;
        await().atMost(STEP_TIMEOUT).until(() -> fleet.acknowledged.size() >= target);
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
