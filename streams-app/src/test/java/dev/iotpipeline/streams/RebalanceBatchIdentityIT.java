package dev.iotpipeline.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.batch.BatchInfo;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.batch.PositionBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.ChildJvm;
import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch identity across rebalances, on the real broker and registry with several instances of one
 * application id (each its own process and state directory, standby replicas on), topics of four
 * partitions and readings fed all along:
 *
 * <ol>
 *   <li>scale out: instance A runs alone with batches open on every partition; B joins and takes
 *       partitions from A mid-batch (a clean revocation), and completes the batches open on them;</li>
 *   <li>death: A is SIGKILLed while batches are open; B takes its partitions over (from its
 *       standbys) and completes what A had open or had closed without committing;</li>
 *   <li>replacement: C joins with a fresh state directory and takes partitions from B mid-batch;</li>
 *   <li>zombie: B is stopped (SIGSTOP) past its session, C takes its partitions over while the
 *       coordinator aborts B's open transaction; B resumes, is fenced, rejoins and gets partitions
 *       back mid-batch;</li>
 *   <li>scale in: B stops cleanly (SIGTERM, leaving the group) and C takes its partitions mid-batch.</li>
 * </ol>
 *
 * <p>Each handover waits on the group's assignment and then on the new owner closing a batch on
 * every partition it got; the open batches the new owner logged as rebuilt from the canonical topic
 * must each be emitted from their first offset. Then every instance stops and a read_committed
 * reader checks, against the fed readings and the committed canonical records: every valid reading
 * is in exactly one batch, batch ids are unique, each source partition's batches have sequences
 * 0..n-1 and offset ranges that neither overlap nor skip a committed canonical record, and each
 * batch's id, count, offset and event-time range are those of the records it carries.
 */
class RebalanceBatchIdentityIT {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withRegistry();

    private static final int PARTITIONS = 4;
    private static final int MAX_RECORDS = 40;
    /** Long against the ~2-4 s a partition takes to fill a batch, so a fault always finds batches open. */
    private static final int MAX_AGE_MS = 15_000;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern REBUILT = Pattern.compile(
            "Rebuilt the open batch of (\\S+)-(\\d+) from offsets (\\d+)\\.\\.(\\d+): (\\d+) records");

    private static final String APPLICATION_ID = "rebalance-test";
    private static final Pattern PROCESS = Pattern.compile("\\[(" + APPLICATION_ID + "-[0-9a-f-]{36})-StreamThread-");

    @TempDir
    Path work;

    private final Instant now = Instant.now();
    private final List<Instance> instances = new ArrayList<>();
    private BatchWatcher watcher;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void openBatchesKeepTheirIdentityThroughScaleOutDeathReplacementZombieAndScaleIn() throws Exception {
        // Raw topics exist before anything is produced, as in a deployment (the bridge never creates them).
        KAFKA.createTopics(PARTITIONS, Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER);
        Feeder feeder = new Feeder();
        ConditionTimeoutException incomplete = null;
        try {
            Instance a = start("a");
            watcher = new BatchWatcher();
            // a. Scale out: A alone, with batches flowing (and so open) on every partition of both families.
            feeder.start();
            await("A closes batches on every partition").atMost(STEP_TIMEOUT)
                    .until(() -> watcher.partitionsWithBatches() == 2 * PARTITIONS);
            assertThat(a.rebuilds()).as("A started without state: nothing to rebuild").isEmpty();

            Instance b = start("b");
            Set<String> movedToB = awaitOwners(a, b).get(b.name);
            handedOver("scale out", b, movedToB, 0);

            // b. Death: SIGKILL A with batches open; B takes A's partitions over from its standbys.
            int rebuiltByB = b.rebuilds().size();
            a.kill();
            Set<String> fromA = awaitOwners(b).get(b.name);
            fromA.removeAll(movedToB);
            handedOver("A's death", b, fromA, rebuiltByB);

            // A replacement with a fresh state directory joins and takes partitions from B mid-batch.
            Instance c = start("c");
            Set<String> movedToC = awaitOwners(b, c).get(c.name);
            handedOver("replacement", c, movedToC, 0);

            // c. A zombie: B stalls (SIGSTOP) past its session with batches open and C takes its partitions over;
            // meanwhile the coordinator aborts B's open transaction. B resumes, is fenced, and rejoins.
            int rebuiltByC = c.rebuilds().size();
            b.pause();
            Set<String> fromB = awaitOwners(c).get(c.name);
            fromB.removeAll(movedToC);
            handedOver("B stalled", c, fromB, rebuiltByC);
            int rebuiltByB2 = b.rebuilds().size();
            b.resume();
            Set<String> backToB = awaitOwners(b, c).get(b.name);
            handedOver("B back", b, backToB, rebuiltByB2);

            // d. Scale in: B stops cleanly (SIGTERM: it commits and leaves the group) with batches open; C takes over.
            int rebuiltByC2 = c.rebuilds().size();
            b.stop();
            Set<String> fromB2 = awaitOwners(c).get(c.name);
            fromB2.retainAll(backToB);
            handedOver("scale in", c, fromB2, rebuiltByC2);

            long fedBefore = feeder.acknowledged();
            await("some more readings fed with C in the group").atMost(STEP_TIMEOUT)
                    .until(() -> feeder.acknowledged() >= fedBefore + 200);
            feeder.stop();
            try {
                // Once every fed reading is a canonical record and the batches' ranges reach the end of every
                // canonical partition, nothing is left to batch; the checks below say what went wrong if not.
                await("every fed reading converted and every canonical partition batched up to its end")
                        .atMost(Duration.ofSeconds(MAX_AGE_MS / 1000 + 30))
                        .until(() -> watcher.canonicalHoldsAll(feeder.expectedEnv, feeder.expectedPositions)
                                && watcher.batchedAllCanonical());
            } catch (ConditionTimeoutException e) {
                incomplete = e;
            }
            assertThat(c.isAlive()).as("C still runs").isTrue();
        } finally {
            feeder.stop();
            if (watcher != null) {
                watcher.close();
            }
            stopAll();
        }

        Ledger ledger = Ledger.readAll(KAFKA.registryUrl());
        assertExactlyOnce("env readings", feeder.expectedEnv, ledger.keys(MeasurementFamily.ENV_READING));
        assertExactlyOnce("positions", feeder.expectedPositions, ledger.keys(MeasurementFamily.POSITION));
        assertThat(ledger.batches.stream().map(batch -> batch.info.getBatchId()).toList()).as("batch ids").doesNotHaveDuplicates();
        for (MeasurementFamily family : MeasurementFamily.values()) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                ledger.checkPartition(family, partition);
            }
        }
        List<Rebuild> rebuilds = instances.stream().flatMap(instance -> instance.rebuilds().stream()).toList();
        assertThat(rebuilds).as("open batches taken over").isNotEmpty();
        for (Rebuild rebuild : rebuilds) {
            assertThat(ledger.batches).as("the batch completing " + rebuild)
                    .anySatisfy(batch -> assertThat(batch.completes(rebuild)).isTrue());
        }
        for (Instance instance : instances) {
            // Kafka Streams logs the zombie's fencing at ERROR itself; the app's own code must log no error.
            assertThat(instance.log()).as(instance.name + "'s log").doesNotContain("Cannot rebuild")
                    .doesNotContainPattern(" ERROR +\\[[^\\]]*\\] (dev\\.iotpipeline|d\\.i)\\.");
        }
        if (incomplete != null) {
            throw incomplete;
        }
    }

    /** Every fed reading in exactly one batch, and nothing else in the batches. */
    private static void assertExactlyOnce(String what, Set<String> fed, List<String> batched) {
        Map<String, Integer> counts = new HashMap<>();
        batched.forEach(key -> counts.merge(key, 1, Integer::sum));
        assertThat(fed.stream().filter(key -> !counts.containsKey(key)).sorted().toList()).as("fed " + what + " in no batch").isEmpty();
        assertThat(counts.entrySet().stream().filter(entry -> entry.getValue() > 1).map(Map.Entry::getKey).sorted().toList())
                .as(what + " batched more than once").isEmpty();
        assertThat(counts.keySet().stream().filter(key -> !fed.contains(key)).sorted().toList()).as(what + " never fed").isEmpty();
        assertThat(batched).as(what + " in batches").hasSize(fed.size());
    }

    private Instance start(String name) throws IOException {
        Map<String, String> settings = new TreeMap<>();
        settings.put("bootstrap.servers", KAFKA.bootstrapServers());
        settings.put("schema.registry.url", KAFKA.registryUrl());
        settings.put("application.id", APPLICATION_ID);
        settings.put("state.dir", work.resolve("state-" + name).toString());
        settings.put("topics.partitions", Integer.toString(PARTITIONS));
        settings.put("batch.max.records", Integer.toString(MAX_RECORDS));
        settings.put("batch.max.age.ms", Integer.toString(MAX_AGE_MS));
        settings.put("http.port", "-1");
        settings.put("kafka.num.standby.replicas", "1");
        // A joining instance gets active tasks at once while its changelog lag is within acceptable.recovery.lag
        // (10,000 records, Kafka's default): here each task's changelogs stay well below that.
        settings.put("kafka.commit.interval.ms", "200");
        // A killed instance never leaves its group; a short session lets the survivor take over sooner.
        settings.put("kafka.consumer.session.timeout.ms", "6000");
        settings.put("kafka.consumer.heartbeat.interval.ms", "1000");
        Path config = work.resolve(name + ".properties");
        StringBuilder text = new StringBuilder();
        settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        Files.writeString(config, text);
        Path log = Path.of("target", "rebalance-it-" + name + ".log");
        Files.deleteIfExists(log);
        Instance instance = new Instance(name, new ChildJvm("streams instance " + name, log, "384m", Map.of(),
                StreamsAppMain.class.getName(), List.of(config.toString())));
        instances.add(instance);
        instance.jvm.launch();
        instance.jvm.awaitReady(STEP_TIMEOUT, () -> instance.log().contains("REBALANCING -> RUNNING"));
        return instance;
    }

    /**
     * Waits until the group is stable with exactly these instances, each owning (as active tasks)
     * some canonical partitions and together all of them; returns each one's canonical partitions.
     */
    private Map<String, Set<String>> awaitOwners(Instance... members) {
        AtomicReference<Map<String, Set<String>>> owners = new AtomicReference<>();
        await("the group stable with " + Stream.of(members).map(Instance::name).toList() + " sharing every canonical partition")
                .atMost(STEP_TIMEOUT).until(() -> {
                    Map<String, Set<String>> now = canonicalOwners(members);
                    owners.set(now);
                    Set<String> all = new HashSet<>();
                    now.values().forEach(all::addAll);
                    return now.size() == members.length && now.values().stream().noneMatch(Set::isEmpty)
                            && all.size() == 2 * PARTITIONS;
                });
        return owners.get();
    }

    /** The canonical partitions each instance's consumer is assigned now, if the group is stable and has only these members. */
    private static Map<String, Set<String>> canonicalOwners(Instance... members) throws Exception {
        try (Admin admin = KAFKA.admin()) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(APPLICATION_ID)).all().get().get(APPLICATION_ID);
            Map<String, Set<String>> owners = new HashMap<>();
            if (group.groupState() != GroupState.STABLE) {
                return owners;
            }
            for (MemberDescription member : group.members()) {
                Instance owner = Stream.of(members).filter(instance -> instance.owns(member.clientId())).findFirst().orElse(null);
                if (owner == null) {
                    return Map.of();
                }
                owners.computeIfAbsent(owner.name, k -> new HashSet<>()).addAll(member.assignment().topicPartitions().stream()
                        .filter(tp -> tp.topic().startsWith("iot.canonical.")).map(TopicPartition::toString).toList());
            }
            return owners;
        }
    }

    /**
     * After {@code owner} got {@code partitions} (topic-partition names) in a rebalance: waits until it
     * closed a batch on each of them (so any batch open at the handover was rebuilt by then), and
     * checks that it rebuilt at least one open batch, only on those partitions, and emitted each one
     * from its first offset.
     */
    private void handedOver(String step, Instance owner, Set<String> partitions, int earlierRebuilds) {
        Instant handover = Instant.now();
        await(step + ": " + owner.name + " closes a batch on each partition it got, " + partitions).atMost(STEP_TIMEOUT)
                .until(() -> partitions.stream().allMatch(tp -> watcher.closedSince(tp, handover)));
        // A batch closed just after the handover may still be the old owner's (the watcher does not tell who closed it):
        // wait for the new owner's own rebuild rather than expect it to have happened by then.
        await(step + ": " + owner.name + " rebuilds an open batch it took over").atMost(STEP_TIMEOUT)
                .until(() -> owner.rebuilds().size() > earlierRebuilds);
        List<Rebuild> rebuilds = owner.rebuilds().subList(earlierRebuilds, owner.rebuilds().size());
        assertThat(rebuilds).as(step + ": open batches " + owner.name + " took over").isNotEmpty()
                .allSatisfy(rebuild -> assertThat(partitions).contains(rebuild.topic() + "-" + rebuild.partition()));
        await(step + ": " + owner.name + " emits each batch it rebuilt, " + rebuilds).atMost(STEP_TIMEOUT)
                .until(() -> watcher.completesAll(rebuilds));
    }

    /** Stops the instances still running together (SIGTERM: they commit and leave the group), so no transaction stays open. */
    private void stopAll() {
        CompletableFuture.allOf(instances.stream().map(instance -> CompletableFuture.runAsync(instance.jvm::close))
                .toArray(CompletableFuture[]::new)).join();
    }

    /** One streams instance in its own JVM, and what its log says. */
    private record Instance(String name, ChildJvm jvm) {

        String log() {
            return jvm.outputSinceLaunch();
        }

        boolean isAlive() {
            return jvm.isAlive();
        }

        void kill() {
            jvm.kill();
        }

        void pause() {
            jvm.pause();
        }

        void resume() {
            jvm.resume();
        }

        void stop() {
            jvm.close();
        }

        /** Whether a consumer client id is one of this instance's ({@code <application id>-<process id>-StreamThread-n-consumer}). */
        boolean owns(String clientId) {
            Matcher matcher = PROCESS.matcher(log());
            return matcher.find() && clientId.startsWith(matcher.group(1) + "-StreamThread-");
        }

        /** The open batches this instance read again from the canonical topic when it got their task. */
        List<Rebuild> rebuilds() {
            List<Rebuild> rebuilds = new ArrayList<>();
            Matcher matcher = REBUILT.matcher(log());
            while (matcher.find()) {
                rebuilds.add(new Rebuild(name, matcher.group(1), Integer.parseInt(matcher.group(2)),
                        Long.parseLong(matcher.group(3)), Long.parseLong(matcher.group(4)), Integer.parseInt(matcher.group(5))));
            }
            return rebuilds;
        }
    }

    /** An open batch rebuilt by {@code instance}: {@code records} records at canonical offsets {@code first..last}. */
    private record Rebuild(String instance, String topic, int partition, long first, long last, int records) {
    }

    /**
     * Produces readings of both families at a steady pace on its own thread (acks=all, idempotent):
     * about 80 env readings and 40 positions a second over many devices, every 25th env reading sent
     * twice (a QoS 1 redelivery) and every 50th tick an invalid one. Only acknowledged readings are
     * expected.
     */
    private final class Feeder {
        final Set<String> expectedEnv = Collections.synchronizedSet(new HashSet<>());
        final Set<String> expectedPositions = Collections.synchronizedSet(new HashSet<>());
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean running;
        private Thread thread;

        void start() {
            running = true;
            thread = new Thread(this::run, "feeder");
            thread.setDaemon(true);
            thread.start();
        }

        long acknowledged() {
            assertThat(failure.get()).as("the feeder's failure").isNull();
            return expectedEnv.size() + expectedPositions.size();
        }

        void stop() throws InterruptedException {
            running = false;
            if (thread != null) {
                thread.join(30_000);
            }
            assertThat(failure.get()).as("the feeder's failure").isNull();
        }

        private void run() {
            long eventSeconds = now.minus(Duration.ofHours(2)).getEpochSecond();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig(),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                int env = 0;
                int gps = 0;
                for (int tick = 0; running; tick++) {
                    long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
                    List<String> envKeys = new ArrayList<>();
                    List<String> positionKeys = new ArrayList<>();
                    for (int i = 0; i < 8; i++, env++) {
                        String device = "env-" + (env % 40);
                        String json = "{\"device\":{\"id\":\"" + device + "\"},\"time\":\""
                                + Instant.ofEpochSecond(eventSeconds + env) + "\",\"readings\":{\"temperature\":{\"value\":"
                                + (env % 50) + ",\"unit\":\"C\"},\"humidity\":0.5},\"msgId\":\"m" + env + "\"}";
                        records.add(RawRecords.raw(Topics.RAW_ENV_SENSOR, device, "env-sensor", "v2", json.getBytes(StandardCharsets.UTF_8), now));
                        envKeys.add(device + "/m" + env);
                        if (env % 25 == 0) {
                            records.add(records.get(records.size() - 1));
                        }
                    }
                    for (int i = 0; i < 4; i++, gps++) {
                        String device = "trk-" + (gps % 16);
                        long millis = (eventSeconds + gps) * 1000 + 7;
                        String json = "{\"deviceId\":\"" + device + "\",\"ts\":" + millis
                                + ",\"position\":{\"type\":\"Point\",\"coordinates\":[139.7," + (gps % 80) + "]}}";
                        records.add(RawRecords.raw(Topics.RAW_GPS_TRACKER, device, "gps-tracker", "v2", json.getBytes(StandardCharsets.UTF_8), now));
                        positionKeys.add(device + "/ts-" + millis);
                    }
                    if (tick % 50 == 0) {
                        byte[] badCrc = ByteBuffer.allocate(16).put((byte) 3).putShort((short) tick).array();
                        records.add(RawRecords.raw(Topics.RAW_ENV_SENSOR, "env-" + (tick % 40), "env-sensor", "v3", badCrc, now));
                    }
                    List<Future<?>> acks = new ArrayList<>();
                    records.forEach(record -> acks.add(producer.send(record)));
                    producer.flush();
                    for (Future<?> ack : acks) {
                        ack.get();
                    }
                    expectedEnv.addAll(envKeys);
                    expectedPositions.addAll(positionKeys);
                    // The feeding pace, not a wait for a condition.
                    long rest = due - System.nanoTime();
                    if (rest > 0) {
                        TimeUnit.NANOSECONDS.sleep(rest);
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }

    }

    /** A batch as read back: its info, the keys (device/message id) and event times of its records, and where it was. */
    private record Batch(BatchInfo info, List<String> keys, List<Instant> eventTimes, int topicPartition, long topicOffset) {

        boolean completes(Rebuild rebuild) {
            return info.getSourceTopic().equals(rebuild.topic()) && info.getSourcePartition() == rebuild.partition()
                    && info.getFirstOffset() == rebuild.first() && info.getLastOffset() >= rebuild.last()
                    && info.getRecordCount() >= rebuild.records();
        }
    }

    /** A committed canonical record: its offset and key (device/message id). */
    private record Canonical(long offset, String key) {
    }

    /**
     * The batch topics and canonical topics as a read_committed reader sees them: decoded batches and
     * committed canonical records per family and partition.
     */
    private static final class Ledger {
        final List<Batch> batches = new ArrayList<>();
        final Map<String, List<Canonical>> canonical = new HashMap<>();
        private final ConfluentAvroDeserializer<EnvReadingBatch> envBatches;
        private final ConfluentAvroDeserializer<PositionBatch> positionBatches;
        private final ConfluentAvroDeserializer<EnvReading> envReadings;
        private final ConfluentAvroDeserializer<Position> positions;

        Ledger(String registryUrl) {
            var registry = RestSchemaRegistryClient.forUrl(registryUrl);
            envBatches = new ConfluentAvroDeserializer<>(registry, EnvReadingBatch.class);
            positionBatches = new ConfluentAvroDeserializer<>(registry, PositionBatch.class);
            envReadings = new ConfluentAvroDeserializer<>(registry, EnvReading.class);
            positions = new ConfluentAvroDeserializer<>(registry, Position.class);
        }

        static List<TopicPartition> partitions() {
            List<TopicPartition> partitions = new ArrayList<>();
            for (MeasurementFamily family : MeasurementFamily.values()) {
                for (int p = 0; p < PARTITIONS; p++) {
                    partitions.add(new TopicPartition(family.batchTopic(), p));
                    partitions.add(new TopicPartition(family.canonicalTopic(), p));
                }
            }
            return partitions;
        }

        static KafkaConsumer<byte[], byte[]> consumer() {
            Map<String, Object> config = KAFKA.consumerConfig("unused");
            config.remove("group.id");
            return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        /** Everything committed in the batch and canonical topics, read to their ends (all writers stopped). */
        static Ledger readAll(String registryUrl) {
            Ledger ledger = new Ledger(registryUrl);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
                List<TopicPartition> partitions = partitions();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
                while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                    assertThat(System.nanoTime()).as("reading the topics to their ends " + ends).isLessThan(deadline);
                    consumer.poll(Duration.ofMillis(200)).forEach(ledger::add);
                }
            }
            return ledger;
        }

        synchronized void add(ConsumerRecord<byte[], byte[]> record) {
            String topic = record.topic();
            if (topic.equals(MeasurementFamily.ENV_READING.batchTopic())) {
                EnvReadingBatch batch = envBatches.deserialize(topic, record.value());
                batches.add(new Batch(batch.getInfo(), batch.getRecords().stream().map(r -> r.getDeviceId() + "/" + r.getMessageId()).toList(),
                        batch.getRecords().stream().map(EnvReading::getEventTime).toList(), record.partition(), record.offset()));
            } else if (topic.equals(MeasurementFamily.POSITION.batchTopic())) {
                PositionBatch batch = positionBatches.deserialize(topic, record.value());
                batches.add(new Batch(batch.getInfo(), batch.getRecords().stream().map(r -> r.getDeviceId() + "/" + r.getMessageId()).toList(),
                        batch.getRecords().stream().map(Position::getEventTime).toList(), record.partition(), record.offset()));
            } else if (topic.equals(MeasurementFamily.ENV_READING.canonicalTopic())) {
                EnvReading reading = envReadings.deserialize(topic, record.value());
                canonical(topic, record.partition()).add(new Canonical(record.offset(), reading.getDeviceId() + "/" + reading.getMessageId()));
            } else {
                Position reading = positions.deserialize(topic, record.value());
                canonical(topic, record.partition()).add(new Canonical(record.offset(), reading.getDeviceId() + "/" + reading.getMessageId()));
            }
        }

        private List<Canonical> canonical(String topic, int partition) {
            return canonical.computeIfAbsent(topic + "-" + partition, k -> new ArrayList<>());
        }

        synchronized List<String> keys(MeasurementFamily family) {
            return batches.stream().filter(batch -> batch.info.getFamily().equals(family.familyName()))
                    .flatMap(batch -> batch.keys.stream()).toList();
        }

        synchronized List<String> canonicalKeys(MeasurementFamily family) {
            return canonical.entrySet().stream().filter(entry -> entry.getKey().startsWith(family.canonicalTopic() + "-"))
                    .flatMap(entry -> entry.getValue().stream()).map(Canonical::key).toList();
        }

        synchronized List<Batch> batchesOf(MeasurementFamily family, int partition) {
            return batches.stream().filter(batch -> batch.info.getFamily().equals(family.familyName())
                    && batch.info.getSourcePartition() == partition).toList();
        }

        /**
         * One source partition's batches, in the order of their batch-topic partition: sequences
         * 0..n-1, ranges in order without overlap, and together exactly the partition's committed
         * canonical records, each batch holding those of its range, with its id, count and event times.
         */
        void checkPartition(MeasurementFamily family, int partition) {
            String where = family.familyName() + " partition " + partition;
            List<Batch> batchesHere = batchesOf(family, partition);
            List<Canonical> records = canonical.getOrDefault(family.canonicalTopic() + "-" + partition, List.of());
            assertThat(batchesHere).as("batches of " + where).isNotEmpty();
            assertThat(batchesHere.stream().map(batch -> batch.info.getSequence()).toList()).as("sequences of " + where)
                    .containsExactlyElementsOf(LongStream.range(0, batchesHere.size()).boxed().toList());
            int next = 0;
            for (Batch batch : batchesHere) {
                BatchInfo info = batch.info;
                String id = info.getBatchId();
                assertThat(batch.topicPartition).as(id + "'s batch-topic partition").isEqualTo(partition);
                assertThat(info.getSourceTopic()).as(id + "'s source topic").isEqualTo(family.canonicalTopic());
                assertThat(id).isEqualTo(family.familyName() + "-" + partition + "-" + info.getFirstOffset() + "-" + info.getLastOffset());
                assertThat(info.getRecordCount()).as(id + "'s record count").isEqualTo(batch.keys.size());
                // The canonical records from where the previous batch ended up to this batch's last offset: none may precede it.
                int from = next;
                while (next < records.size() && records.get(next).offset() <= info.getLastOffset()) {
                    next++;
                }
                List<Canonical> range = records.subList(from, next);
                assertThat(range).as(id + ": committed canonical records after the previous batch").isNotEmpty();
                assertThat(range.get(0).offset()).as(id + "'s first offset: no committed canonical record left out before it, none shared")
                        .isEqualTo(info.getFirstOffset());
                assertThat(range.get(range.size() - 1).offset()).as(id + "'s last offset").isEqualTo(info.getLastOffset());
                assertThat(batch.keys).as(id + "'s records: those of its canonical range, in order")
                        .containsExactlyElementsOf(range.stream().map(Canonical::key).toList());
                assertThat(info.getMinEventTime()).as(id + "'s min event time").isEqualTo(min(batch.eventTimes));
                assertThat(info.getMaxEventTime()).as(id + "'s max event time").isEqualTo(max(batch.eventTimes));
            }
            assertThat(records.subList(next, records.size())).as("committed canonical records of " + where + " in no batch").isEmpty();
        }

        private static Instant min(Collection<Instant> times) {
            return times.stream().min(Instant::compareTo).orElseThrow();
        }

        private static Instant max(Collection<Instant> times) {
            return times.stream().max(Instant::compareTo).orElseThrow();
        }
    }

    /** Follows the batch and canonical topics while the instances run, for the test's wait conditions. */
    private static final class BatchWatcher implements AutoCloseable {
        private final Ledger ledger = new Ledger(KAFKA.registryUrl());
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::run, "batch-watcher");

        BatchWatcher() {
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try (KafkaConsumer<byte[], byte[]> consumer = Ledger.consumer()) {
                List<TopicPartition> partitions = Ledger.partitions();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running) {
                    consumer.poll(Duration.ofMillis(200)).forEach(ledger::add);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        private void healthy() {
            assertThat(failure.get()).as("the batch watcher's failure").isNull();
        }

        /** Family × source partition pairs that emitted a batch. */
        int partitionsWithBatches() {
            healthy();
            synchronized (ledger) {
                return (int) ledger.batches.stream().map(batch -> batch.info.getFamily() + "-" + batch.info.getSourcePartition())
                        .distinct().count();
            }
        }

        /** Whether a batch from canonical partition {@code topicPartition} (topic-partition) closed after {@code time}. */
        boolean closedSince(String topicPartition, Instant time) {
            healthy();
            synchronized (ledger) {
                return ledger.batches.stream().anyMatch(batch -> (batch.info.getSourceTopic() + "-" + batch.info.getSourcePartition())
                        .equals(topicPartition) && batch.info.getClosedTime().isAfter(time));
            }
        }

        /** Whether every rebuilt open batch was emitted, starting where it started. */
        boolean completesAll(List<Rebuild> rebuilds) {
            healthy();
            synchronized (ledger) {
                return rebuilds.stream().allMatch(rebuild -> ledger.batches.stream().anyMatch(batch -> batch.completes(rebuild)));
            }
        }

        /** Whether every fed reading is among the committed canonical records. */
        boolean canonicalHoldsAll(Set<String> env, Set<String> positions) {
            healthy();
            Set<String> envSeen = new HashSet<>(ledger.canonicalKeys(MeasurementFamily.ENV_READING));
            Set<String> positionsSeen = new HashSet<>(ledger.canonicalKeys(MeasurementFamily.POSITION));
            synchronized (env) {
                synchronized (positions) {
                    return envSeen.containsAll(env) && positionsSeen.containsAll(positions);
                }
            }
        }

        /** Whether every committed canonical record seen so far is in a batch seen so far. */
        boolean batchedAllCanonical() {
            healthy();
            synchronized (ledger) {
                for (MeasurementFamily family : MeasurementFamily.values()) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        List<Canonical> records = ledger.canonical.getOrDefault(family.canonicalTopic() + "-" + p, List.of());
                        long last = ledger.batchesOf(family, p).stream().mapToLong(batch -> batch.info.getLastOffset()).max().orElse(-1);
                        if (!records.isEmpty() && records.get(records.size() - 1).offset() > last) {
                            return false;
                        }
                    }
                }
                return true;
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }
}
