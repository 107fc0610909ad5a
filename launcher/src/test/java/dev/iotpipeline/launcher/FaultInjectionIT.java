package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.testing.BrokerProcess;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Infrastructure faults under QoS 1 load, each delivered to the real process with a real signal:
 * the Kafka broker (a child JVM of its own) SIGKILLed and restarted, the broker paused with SIGSTOP,
 * the schema registry SIGKILLed for 30 s, PostgreSQL SIGKILLed for 60 s. The embedded pipeline
 * (bridge, streams app, Connect with both sinks, PostgreSQL) runs against that broker. After each
 * fault every acknowledged reading is in the warehouse and in the lake exactly once, and nothing was
 * dead-lettered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIT {

    /** The bridge's in-flight budget in this test: small, so a paused broker fills it within seconds. */
    private static final long MAX_INFLIGHT_BYTES = 16 * 1024;

    @TempDir
    static Path dataDir;

    private BrokerProcess broker;
    private EmbeddedSettings settings;
    private EmbeddedPipeline pipeline;
    private QosFleet fleet;
    private int faults;

    @BeforeAll
    void startPipeline() throws Exception {
        broker = new BrokerProcess(dataDir.resolve("broker")).start();
        settings = EmbeddedSettings.onFreePorts(dataDir.resolve("pipeline"),
                new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(1)));
        fleet = new QosFleet(settings.devicesFile(), "fault", 2, settings.bridge().mqtt());
        pipeline = new EmbeddedPipeline(settings, System.out).usingKafka(broker.bootstrapServers())
                .withBridgeSetting("max.inflight.bytes", Long.toString(MAX_INFLIGHT_BYTES)).start();
    }

    /** A failed test must not leave the next one without a broker or with a publishing fleet. */
    @AfterEach
    void recover() throws Exception {
        fleet.stop();
        if (broker.isAlive()) {
            broker.resume();
        } else {
            broker.start();
        }
    }

    @AfterAll
    void stopPipeline() throws Exception {
        if (fleet != null) {
            fleet.stop();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Order(1)
    void theBrokerKilledUnderLoadAndRestartedLosesAndDoublesNothing() throws Exception {
        fleet.start();
        awaitAcknowledged(100);

        broker.kill();
        int failedBefore = fleet.failedAttempts.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.failedAttempts.get() > failedBefore);
        broker.start();
        awaitAcknowledged(100);
        fleet.stop();
        faults++;

        assertThat(fleet.resent.get()).as("devices resent what the crash left unacknowledged").isPositive();
        fleet.assertStoredExactlyOnce(settings.postgresPort(), settings.lakeDir(), faults);
        assertThat(QosFleet.deadLetters(broker.bootstrapServers())).as("a broker crash dead-letters nothing").isZero();
    }

    @Test
    @Order(2)
    void aPausedBrokerStopsAcknowledgementsWithinTheInflightBudgetAndEverythingLandsAfterIt() throws Exception {
        fleet.start();
        awaitAcknowledged(100);

        broker.pause();
        Instant pausedUntil = Instant.now().plusSeconds(20);
        // Readings whose send had started before the pause may still be acknowledged: let them settle.
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
        int ackedWhilePaused = fleet.acknowledged.size();
        AtomicLong maxInflight = new AtomicLong();
        while (Instant.now().isBefore(pausedUntil)) {
            inflightBytes().ifPresent(bytes -> maxInflight.accumulateAndGet(bytes, Math::max));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        int ackedAtResume = fleet.acknowledged.size();
        broker.resume();

        assertThat(ackedAtResume).as("nothing is acknowledged while Kafka cannot have it").isEqualTo(ackedWhilePaused);
        assertThat(maxInflight.get()).as("buffered payload bytes stay within max.inflight.bytes")
                .isPositive().isLessThanOrEqualTo(MAX_INFLIGHT_BYTES);
        awaitAcknowledged(100);
        fleet.stop();
        faults++;

        fleet.assertStoredExactlyOnce(settings.postgresPort(), settings.lakeDir(), faults);
        assertThat(QosFleet.deadLetters(broker.bootstrapServers())).as("a stalled broker dead-letters nothing").isZero();
    }

    @Test
    @Order(3)
    void theRegistryDownForThirtySecondsDivertsNothingAndEveryComponentRecoversByItself() throws Exception {
        fleet.start();
        awaitAcknowledged(100);

        Path pidFile = settings.registryDir().resolve("registry.pid");
        ProcessHandle registry = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
        registry.destroyForcibly();
        registry.onExit().get(30, TimeUnit.SECONDS);
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(30)); // the outage: the fleet keeps publishing
        try (SchemaRegistryServer restarted = new SchemaRegistryServer(new SchemaRegistryServer.Settings(
                SchemaRegistryServer.locateRunnerJar(), EmbeddedSettings.HOST, settings.registryPort(),
                Optional.of(settings.registryDir()), settings.logDir().resolve("schema-registry.log"))).start(Duration.ofSeconds(120))) {
            awaitAcknowledged(100);
            fleet.stop();
            faults++;

            fleet.assertStoredExactlyOnce(settings.postgresPort(), settings.lakeDir(), faults);
            assertThat(QosFleet.deadLetters(broker.bootstrapServers())).as("a registry outage dead-letters nothing").isZero();
        }
    }

    @Test
    @Order(4)
    void postgresDownForSixtySecondsHoldsUpOnlyTheWarehouseAndLosesNothing() throws Exception {
        fleet.start();
        awaitAcknowledged(100);
        long retriesBefore = sinkMetric(EmbeddedPipeline.WAREHOUSE_SINK, "retries-total");

        killPostgres();
        Instant outageEnds = Instant.now().plusSeconds(60);
        Set<String> ackedBeforeOutage = new TreeSet<>(fleet.acknowledged);
        // Well inside the outage: what was acknowledged meanwhile must reach the lake without the warehouse.
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(30));
        Set<String> ackedDuringOutage = new TreeSet<>(fleet.acknowledged);
        ackedDuringOutage.removeAll(ackedBeforeOutage);
        assertThat(ackedDuringOutage).as("the bridge acknowledges while the warehouse is down").isNotEmpty();
        await().atMost(Duration.between(Instant.now(), outageEnds.minusSeconds(5))).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(QosFleet.lake(settings.lakeDir())).as("the lake keeps flowing")
                        .containsAll(ackedDuringOutage));
        LockSupport.parkNanos(Math.max(0, Duration.between(Instant.now(), outageEnds).toNanos()));
        assertThat(sinkMetric(EmbeddedPipeline.WAREHOUSE_SINK, "retries-total")).as("the warehouse sink retried")
                .isGreaterThan(retriesBefore);

        try (PostgresServer restarted = PostgresServer.start(settings.postgresDir(), settings.postgresPort(),
                settings.logDir().resolve("postgres.log"))) {
            awaitAcknowledged(100);
            fleet.stop();
            faults++;

            fleet.assertStoredExactlyOnce(restarted.port(), settings.lakeDir(), faults);
            assertThat(QosFleet.deadLetters(broker.bootstrapServers())).as("a warehouse outage dead-letters nothing").isZero();
        }
    }

    /**
     * SIGKILL to the postmaster and every backend, as a crash or the OOM killer does; then the
     * pipeline's handle on the killed server lets go of the data directory (its stop finds no server).
     */
    private void killPostgres() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(settings.postgresDir().resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.add(postmaster);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : all) {
            process.onExit().get(30, TimeUnit.SECONDS);
        }
        try {
            pipeline.warehouse().close();
        } catch (IllegalStateException expected) {
            // pg_ctl stop has nothing to stop
        }
    }

    /** A sink's own task metric summed over its tasks, from the Connect worker in this JVM (JMX). */
    private static long sinkMetric(String connector, String metric) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long total = 0;
        for (ObjectName name : server.queryNames(new ObjectName("kafka.connect:type=plugins,connector=" + connector + ",*"), null)) {
            if (Arrays.stream(server.getMBeanInfo(name).getAttributes()).anyMatch(a -> a.getName().equals(metric))) {
                total += ((Number) server.getAttribute(name, metric)).longValue();
            }
        }
        return total;
    }

    private void awaitAcknowledged(int more) {
        int target = fleet.acknowledged.size() + more;
        await().atMost(Duration.ofSeconds(120)).until(() -> fleet.acknowledged.size() >= target);
    }

    /** The bridge's {@code iot_bridge_inflight_bytes} gauge, from its Prometheus endpoint. */
    private Optional<Long> inflightBytes() {
        try {
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + settings.bridge().management() + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return metrics.body().lines().filter(line -> line.startsWith("iot_bridge_inflight_bytes"))
                    .map(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

}
