package dev.iotpipeline.testing;

import dev.iotpipeline.embedded.KraftBrokerMain;
import dev.iotpipeline.embedded.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A KRaft node (broker and controller) in a child JVM, so a fault test can hit the broker alone
 * with a real signal: {@link #kill()} is SIGKILL, {@link #pause()} SIGSTOP, {@link #resume()}
 * SIGCONT. {@link #start()} again reuses the data directory and ports, so topics, offsets and
 * transactions survive as they do for a real broker. A node alone by default; {@link KafkaCluster}
 * makes several voters of one cluster.
 */
public final class BrokerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final int port;
    private final ChildJvm jvm;

    /** @param overrides broker properties as {@code key=value}, e.g. {@code message.max.bytes=8388608} */
    public BrokerProcess(Path dataDir, String... overrides) {
        this(dataDir, Ports.freePort(HOST), Ports.freePort(HOST), List.of(overrides));
    }

    /** @param args after the data directory and ports: {@code --node-id=...} options, then {@code key=value} overrides */
    BrokerProcess(Path dataDir, int port, int controllerPort, List<String> args) {
        this.port = port;
        List<String> all = new ArrayList<>(List.of(dataDir.resolve("kafka").toString(), Integer.toString(port),
                Integer.toString(controllerPort)));
        all.addAll(args);
        this.jvm = new ChildJvm("broker on " + HOST + ":" + port, dataDir.resolve("broker.out"), "512m", Map.of(),
                KraftBrokerMain.class.getName(), all);
    }

    /** Starts the broker (again) and returns once it serves clients. */
    public BrokerProcess start() {
        launch();
        awaitReady();
        return this;
    }

    /** Starts the process without waiting: the nodes of a cluster must start together to elect a controller. */
    void launch() {
        jvm.launch();
    }

    void awaitReady() {
        String ready = KraftBrokerMain.READY + bootstrapServers();
        jvm.awaitReady(START_TIMEOUT, () -> jvm.outputSinceLaunch().lines().anyMatch(ready::equals));
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    public long pid() {
        return jvm.pid();
    }

    /** SIGKILL, as the OOM killer or a power cut would: no shutdown, the data directory as it is. */
    public void kill() {
        jvm.kill();
    }

    /** SIGSTOP: the broker holds its connections and answers nothing, as a stalled disk or VM does. */
    public void pause() {
        jvm.pause();
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        jvm.resume();
    }

    @Override
    public void close() {
        jvm.close();
    }
}
