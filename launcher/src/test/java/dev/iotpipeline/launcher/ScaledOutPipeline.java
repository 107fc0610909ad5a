package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.launcher.PipelineProcesses.ConnectInstance;
import dev.iotpipeline.launcher.PipelineProcesses.StreamsInstance;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.ClusterTestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The pipeline as a scaled-out deployment runs it, on a {@link ClusterTestBed}: streams app
 * instances and distributed Connect workers as processes of their own (so one can be SIGKILLed),
 * bridges in this JVM, both sinks at {@code tasks.max} {@link #tasks()}, the lake on the bed's
 * object store. {@code ScaleOutIT} puts faults through it; {@code HorizontalBenchmark} measures it
 * with one and with two of each.
 */
public final class ScaledOutPipeline implements AutoCloseable {

    /** Key prefix of the lake in the bed's bucket. */
    public static final String LAKE_PREFIX = "lake";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final ClusterTestBed bed;
    private final Path dir;
    private final int partitions;
    private final int tasks;
    private final Map<String, String> streamsSettings;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<StreamsInstance> streams = new ArrayList<>();
    private final List<ConnectInstance> workers = new ArrayList<>();
    private int streamsCount;
    private int workerCount;

    private ScaledOutPipeline(ClusterTestBed bed, Path dir, int partitions, int tasks, Map<String, String> streamsSettings) {
        this.bed = bed;
        this.dir = dir;
        this.partitions = partitions;
        this.tasks = tasks;
        this.streamsSettings = Map.copyOf(streamsSettings);
    }

    /**
     * Starts the test bed under {@code dir} and creates the sinks' dead-letter topics; streams
     * instances, workers, sinks and bridges are added by the caller.
     *
     * @param partitions partitions of every pipeline topic
     * @param tasks {@code tasks.max} of both sinks
     * @param streamsSettings streams app settings of every instance (batch bounds, say), on top of the bed's addresses
     */
    public static ScaledOutPipeline start(Path dir, int partitions, int tasks, Map<String, String> streamsSettings) throws Exception {
        ClusterTestBed bed = ClusterTestBed.start(dir.resolve("bed"));
        ScaledOutPipeline pipeline = new ScaledOutPipeline(bed, dir, partitions, tasks, streamsSettings);
        try (var admin = bed.kafka().admin()) {
            admin.createTopics(Stream.of("warehouse", "lake").map(sink -> new NewTopic(Topics.DEAD_LETTER + "." + sink, 1, (short) 3))
                    .toList()).all().get();
        } catch (Exception e) {
            pipeline.close();
            throw e;
        }
        return pipeline;
    }

    public ClusterTestBed bed() {
        return bed;
    }

    public int tasks() {
        return tasks;
    }

    /** Every streams instance started, dead or alive, oldest first. */
    public List<StreamsInstance> streams() {
        return streams;
    }

    /** Every Connect worker started, dead or alive, oldest first. */
    public List<ConnectInstance> workers() {
        return workers;
    }

    /** Starts one more streams instance (standby replicas on) and waits until it is ready. */
    public StreamsInstance addStreams() {
        String name = "streams-" + (++streamsCount);
        Map<String, String> config = new HashMap<>(streamsSettings);
        config.put("bootstrap.servers", bed.kafka().bootstrapServers());
        config.put("schema.registry.url", bed.registryUrl());
        config.put("topics.partitions", Integer.toString(partitions));
        config.put("topics.replication.factor", "3");
        config.put("replication.factor", "3");
        config.putIfAbsent("kafka.num.standby.replicas", "1");
        StreamsInstance instance = new StreamsInstance(name, dir.resolve(name), config);
        started.add(instance);
        streams.add(instance.start());
        return instance;
    }

    /** Starts one more Connect worker and waits until its REST API answers. */
    public ConnectInstance addWorker() {
        String name = "worker-" + (++workerCount);
        // A dead worker's tasks move after this delay (default 5 min): short here, and in the chart.
        ConnectInstance worker = new ConnectInstance(name, dir.resolve(name), bed.kafka().bootstrapServers(),
                Map.of("scheduled.rebalance.max.delay.ms", "10000", "offset.flush.interval.ms", "5000"),
                dir.resolve(name).resolve("spool"));
        started.add(worker);
        workers.add(worker.start());
        return worker;
    }

    /** Creates both sinks through the newest worker and waits until all their tasks run. */
    public void startSinks() throws Exception {
        ConnectInstance worker = workers.get(workers.size() - 1);
        worker.putConnector(EmbeddedPipeline.WAREHOUSE_SINK, scaledOut(EmbeddedPipeline.warehouseSinkConfig(bed.postgres().jdbcUrl(),
                bed.registryUrl())));
        worker.putConnector(EmbeddedPipeline.LAKE_SINK, lakeSink());
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            for (String connector : List.of(EmbeddedPipeline.WAREHOUSE_SINK, EmbeddedPipeline.LAKE_SINK)) {
                assertThat(worker.taskStates(connector).values()).as(connector).hasSize(tasks)
                        .allMatch(state -> state.startsWith("RUNNING"));
            }
        });
    }

    /** Starts a bridge in this JVM on {@code mqttPort} (MQTT only), its devices read from {@code devices}. */
    public IngestBridge addBridge(String instanceId, int mqttPort, Path devices, Map<String, String> overrides) {
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
        config.putAll(overrides);
        IngestBridge bridge = IngestBridge.start(BridgeConfig.of(config));
        started.add(bridge);
        return bridge;
    }

    /** A fresh local copy of the lake as written to the object store (file times = object times), for DuckDB. */
    public Path copyLake() throws Exception {
        Path copy = Files.createTempDirectory(dir, "lake-copy");
        bed.copyObjects(LAKE_PREFIX, copy);
        return copy;
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

    private Map<String, String> scaledOut(Map<String, String> config) {
        config.put("tasks.max", Integer.toString(tasks));
        config.put("errors.deadletterqueue.topic.replication.factor", "3");
        return config;
    }

    /** Stops what was started here, newest first, then the bed. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // stop the rest regardless; the bed logs what it cannot stop
            }
        }
        bed.close();
    }
}
