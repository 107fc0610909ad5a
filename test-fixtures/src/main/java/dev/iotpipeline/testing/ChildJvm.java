package dev.iotpipeline.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A Java main class in a child JVM with this JVM's class path ({@link #classPath()}), so a fault test can hit that one
 * process with a real signal: {@link #kill()} is SIGKILL, {@link #pause()} SIGSTOP,
 * {@link #resume()} SIGCONT, {@link #close()} SIGTERM (a clean stop). Its output is appended to one
 * log file across restarts.
 */
public final class ChildJvm implements AutoCloseable {

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;
    private long logOffset;

    /**
     * @param name what the process is, for messages
     * @param log file the process's stdout and stderr are appended to
     * @param heap {@code -Xmx} value, e.g. {@code 512m}
     * @param environment variables added to this JVM's environment
     */
    public ChildJvm(String name, Path log, String heap, Map<String, String> environment, String mainClass, List<String> args) {
        this.name = name;
        this.log = log;
        this.environment = Map.copyOf(environment);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+UseSerialGC",
                "-Duser.timezone=" + System.getProperty("user.timezone", "UTC"),
                "-cp", classPath(), mainClass));
        cmd.addAll(args);
        this.command = List.copyOf(cmd);
    }

    /**
     * This JVM's class path: the application class loader's URLs where a launcher loads the
     * application in a loader of its own ({@code mvn exec:java} does), else {@code java.class.path}
     * (a test runner's, perhaps a manifest-only jar).
     */
    static String classPath() {
        if (ChildJvm.class.getClassLoader() instanceof URLClassLoader loader) {
            List<String> entries = new ArrayList<>();
            for (URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException e) {
                    throw new IllegalStateException("Class path entry is not a file: " + url, e);
                }
            }
            return String.join(File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    /** Starts the process (again) without waiting for it. */
    public synchronized ChildJvm launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            logOffset = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
        return this;
    }

    /** Waits until {@code ready} holds; fails naming the output if the process exits or the time runs out. */
    public void awaitReady(Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + tail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        kill();
        throw new IllegalStateException(name + " did not get ready within " + timeout + ": " + tail());
    }

    /** What the process printed since its last {@link #launch()}. */
    public String outputSinceLaunch() {
        try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(log)) {
            channel.position(Math.min(logOffset, channel.size()));
            return new String(java.nio.channels.Channels.newInputStream(channel).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String tail() {
        String output = outputSinceLaunch();
        return output.length() > 4_000 ? "..." + output.substring(output.length() - 4_000) : output;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL, as the OOM killer or a power cut would: no shutdown hook runs. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            process.onExit().join();
        }
    }

    /** SIGSTOP: the process holds its connections and answers nothing, as a stalled disk or VM does. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM and up to 30 s for a clean stop, then SIGKILL. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
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
