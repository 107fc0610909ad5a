package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.common.FakeSinkContext;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkRecord;

/** A lake sink task outside a worker: a registry in memory, a context that records dead letters, a clock the test moves. */
final class TaskHarness {

    static final String ENV_TOPIC = "iot.batch.env_reading";
    static final String POSITION_TOPIC = "iot.batch.position";

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    final FakeSinkContext context = new FakeSinkContext(true);
    final TestClock clock;

    TaskHarness(Instant now) {
        this.clock = new TestClock(now);
    }

    /** Settings of a lake on local disk. */
    static Map<String, String> local(Path lake) {
        return Map.of("lake.local.dir", lake.toString());
    }

    /** A started task with these settings (and any registry URL). */
    LakeSinkTask start(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("schema.registry.url", "http://unused");
        LakeSinkTask task = new LakeSinkTask(config -> registry, clock);
        task.initialize(context);
        task.start(all);
        return task;
    }

    /** A batch record of env readings at {@code offset} of partition 0, its batch starting there too. */
    SinkRecord env(long offset, List<EnvReading> readings) {
        return new SinkRecord(ENV_TOPIC, 0, null, "k", null,
                TestBatches.wire(registry, ENV_TOPIC, TestBatches.envBatch(0, offset, readings)), offset);
    }

    SinkRecord positions(long offset, List<Position> positions) {
        return new SinkRecord(POSITION_TOPIC, 0, null, "k", null,
                TestBatches.wire(registry, POSITION_TOPIC, TestBatches.positionBatch(0, offset, positions)), offset);
    }

    /** An env reading received at {@code ingest}. */
    static EnvReading env(String device, String messageId, Instant eventTime, Instant ingest) {
        return EnvReading.newBuilder(TestBatches.env(device, messageId, eventTime, 20.0)).setIngestTime(ingest).build();
    }
}
