package dev.iotpipeline.testing;

import dev.iotpipeline.embedded.KraftBrokerMain;
import dev.iotpipeline.embedded.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A single-node KRaft broker in a child JVM (this JVM's class path), so a fault test can hit the
 * broker alone with a real signal: {@link #kill()} is SIGKILL, {@link #pause()} SIGSTOP,
 * {@link #resume()} SIGCONT. {@link #start()} again reuses the data directory and ports, so topics,
 * offsets and transactions survive as they do for a real broker.
 */
public final class BrokerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final List<String> overrides;
    private Process process;

    /** @param overrides broker properties as {@code key=value}, e.g. {@code message.max.bytes=8388608} */
    public BrokerProcess(Path dataDir, String... overrides) {
        this.dataDir = dataDir;
        this.port = Ports.freePort(HOST);
        this.controllerPort = Ports.freePort(HOST);
        this.overrides = List.of(overrides);
    }

    /** Starts the broker (again) and returns once it serves clients. */
    public synchronized BrokerProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker already running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), KraftBrokerMain.class.getName(),
                dataDir.resolve("kafka").toString(), Integer.toString(port), Integer.toString(controllerPort)));
        command.addAll(overrides);
        try {
            Files.createDirectories(dataDir);
            Path log = dataDir.resolve("broker.out");
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            awaitReady(log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the broker process", e);
        }
        return this;
    }

    private void awaitReady(Path log) throws IOException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        String ready = KraftBrokerMain.READY + bootstrapServers();
        while (Instant.now().isBefore(deadline)) {
            if (Files.readAllLines(log).stream().anyMatch(ready::equals)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("The broker process exited: " + Files.readString(log));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        process.destroyForcibly();
        throw new IllegalStateException("The broker process did not get ready within " + START_TIMEOUT + ": " + Files.readString(log));
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, as the OOM killer or a power cut would: no shutdown, the data directory as it is. */
    public synchronized void kill() {
        process.destroyForcibly();
        process.onExit().join();
    }

    /** SIGSTOP: the broker holds its connections and answers nothing, as a stalled disk or VM does. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            signal("CONT");
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
