package dev.iotpipeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry (Apicurio Registry, repackaged by the {@code registry-server} module) as a
 * child process, serving the Confluent REST API under {@link #confluentApiUrl()}.
 *
 * <p>With a storage directory its H2 database lives on disk, so subjects, schemas and ids survive
 * restarts; without one it keeps everything in memory (tests). The process is stopped by
 * {@link #close()}, by a JVM shutdown hook, and, if a previous owner died without stopping it, on
 * the next start on the same storage directory (found through its pid file).
 */
public final class SchemaRegistryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    public static final String CONFLUENT_API_PATH = "/apis/ccompat/v6";
    private static final String READY_PATH = "/health/ready";
    private static final String RUNNER_SUFFIX = "-runner.jar";

    private final Settings settings;
    private Process process;
    private Thread shutdownHook;

    /**
     * @param runnerJar the registry's runnable jar (see {@link #locateRunnerJar()})
     * @param host address to bind
     * @param port HTTP port, 8081 in the embedded default
     * @param storageDir where the registry's database lives; empty keeps it in memory
     * @param logFile where the process's output goes
     */
    public record Settings(Path runnerJar, String host, int port, Optional<Path> storageDir, Path logFile) {
    }

    public SchemaRegistryServer(Settings settings) {
        this.settings = settings;
    }

    /** Starts the registry and waits until it reports ready; fails with its log's tail if it does not. */
    public synchronized SchemaRegistryServer start(Duration timeout) {
        if (process != null) {
            throw new IllegalStateException("Schema registry already started");
        }
        if (!Files.isRegularFile(settings.runnerJar())) {
            throw new IllegalStateException("Schema registry jar " + settings.runnerJar()
                    + " does not exist: build it with 'mvn -pl registry-server package'");
        }
        settings.storageDir().ifPresent(SchemaRegistryServer::stopOrphan);
        Ports.requireFree("Schema registry", settings.host(), settings.port());
        try {
            Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
            ProcessBuilder builder = new ProcessBuilder(command())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile()));
            settings.storageDir().ifPresent(dir -> builder.environment().put("REGISTRY_DATASOURCE_URL",
                    "jdbc:h2:file:" + dir.toAbsolutePath().resolve("registry") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0"));
            process = builder.start();
            writePidFile();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the schema registry", e);
        }
        shutdownHook = new Thread(this::stopProcess, "schema-registry-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            awaitReady(timeout);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("Schema registry ready at {} (pid {}, storage {})", confluentApiUrl(), process.pid(),
                settings.storageDir().map(Path::toString).orElse("in memory"));
        return this;
    }

    /** Base URL of the Confluent-compatible API, the value for {@code schema.registry.url}. */
    public String confluentApiUrl() {
        return baseUrl() + CONFLUENT_API_PATH;
    }

    public String baseUrl() {
        return "http://" + settings.host() + ":" + settings.port();
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        stopProcess();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook is running or has run; nothing to undo.
            }
        }
        settings.storageDir().ifPresent(dir -> pidFile(dir).toFile().delete());
        process = null;
        LOG.info("Schema registry on port {} stopped", settings.port());
    }

    private void stopProcess() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                LOG.warn("Schema registry (pid {}) did not stop within 15 s; killing it", p.pid());
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-Dquarkus.http.host=" + settings.host());
        command.add("-Dquarkus.http.port=" + settings.port());
        command.add("-jar");
        command.add(settings.runnerJar().toAbsolutePath().toString());
        return command;
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + READY_PATH)).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Schema registry exited with code " + process.exitValue()
                        + " during start; its log " + settings.logFile() + " ends with:\n" + logTail());
            }
            try {
                HttpResponse<String> response = http.send(ready, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the schema registry", e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        throw new IllegalStateException("Schema registry not ready at " + baseUrl() + READY_PATH + " after "
                + timeout.toSeconds() + " s (" + last + "); its log " + settings.logFile() + " ends with:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(settings.logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read the log: " + e.getMessage() + ")";
        }
    }

    private static Path pidFile(Path storageDir) {
        return storageDir.resolve("registry.pid");
    }

    private void writePidFile() throws IOException {
        Optional<Path> dir = settings.storageDir();
        if (dir.isPresent()) {
            Files.createDirectories(dir.get());
            Files.writeString(pidFile(dir.get()), Long.toString(process.pid()));
        }
    }

    /**
     * Stops a registry that a previous owner of this storage directory started and left running (its
     * launcher was killed): only the process the directory's pid file names, and only if it is a
     * registry runner. Returns whether one was stopped.
     */
    public static boolean stopOrphan(Path storageDir) {
        Path file = pidFile(storageDir);
        if (!Files.exists(file)) {
            return false;
        }
        try {
            long pid = Long.parseLong(Files.readString(file).trim());
            Optional<ProcessHandle> orphan = ProcessHandle.of(pid)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(RUNNER_SUFFIX)).orElse(false));
            orphan.ifPresent(process -> {
                LOG.warn("Stopping schema registry pid {} left running by an earlier start on {}", pid, storageDir);
                process.destroy();
                process.onExit().orTimeout(15, TimeUnit.SECONDS).exceptionally(t -> {
                    process.destroyForcibly();
                    return process;
                }).join();
            });
            Files.delete(file);
            return orphan.isPresent();
        } catch (IOException | NumberFormatException e) {
            LOG.warn("Ignoring unreadable registry pid file {}: {}", file, e.getMessage());
            return false;
        }
    }

    /**
     * Finds the registry's runnable jar: the {@code iot.registry.jar} system property or
     * {@code IOT_REGISTRY_JAR} environment variable, else {@code registry-server/target/*-runner.jar}
     * under the repository root ({@code iot.repository.root}, or the nearest parent of the working
     * directory that has a {@code registry-server} folder).
     */
    public static Path locateRunnerJar() {
        String explicit = Optional.ofNullable(System.getProperty("iot.registry.jar")).orElse(System.getenv("IOT_REGISTRY_JAR"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        Path root = Optional.ofNullable(System.getProperty("iot.repository.root")).map(Path::of).orElse(null);
        for (Path dir = Path.of("").toAbsolutePath(); root == null && dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("registry-server"))) {
                root = dir;
            }
        }
        if (root == null) {
            throw new IllegalStateException("Cannot find the registry-server module from " + Path.of("").toAbsolutePath()
                    + "; set -Diot.registry.jar or IOT_REGISTRY_JAR to the registry's runner jar");
        }
        Path target = root.resolve("registry-server").resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith(RUNNER_SUFFIX)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("No *" + RUNNER_SUFFIX + " in " + target
                            + ": build it with 'mvn -pl registry-server package'"));
        } catch (IOException e) {
            throw new IllegalStateException("No " + target + ": build it with 'mvn -pl registry-server package'", e);
        }
    }
}
