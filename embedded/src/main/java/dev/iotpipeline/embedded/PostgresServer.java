package dev.iotpipeline.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (binaries from a jar) with its data in a directory that survives
 * restarts, on 127.0.0.1, with database, user and password {@code iot}: the embedded warehouse and
 * the tests' database, for local use only. Durable as a warehouse must be: {@code fsync} and
 * {@code synchronous_commit} are on (the library's defaults turn both off), because the sinks
 * commit their Kafka offsets once PostgreSQL says a batch is committed.
 */
public final class PostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    public static final String HOST = "127.0.0.1";
    public static final String NAME = "iot";
    public static final String USER = "iot";
    public static final String PASSWORD = "iot";

    private final EmbeddedPostgres postgres;
    private final int port;

    private PostgresServer(EmbeddedPostgres postgres, int port) {
        this.postgres = postgres;
        this.port = port;
    }

    public static PostgresServer start(Path dataDir, int port, Path logFile) {
        stopOrphan(dataDir);
        Ports.requireFree("PostgreSQL", HOST, port);
        EmbeddedPostgres postgres;
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.getParent());
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("listen_addresses", HOST)
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    // When each row became visible (pg_xact_commit_timestamp(xmin)): latency checks and benchmarks.
                    .setServerConfig("track_commit_timestamp", "on")
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL did not start on " + HOST + ":" + port
                    + " with data in " + dataDir + ": " + e.getMessage() + " (log: " + logFile + ")", e);
        }
        PostgresServer database = new PostgresServer(postgres, port);
        try {
            database.createUserAndDatabase();
        } catch (SQLException e) {
            database.close();
            throw new IllegalStateException("Cannot create the iot database: " + e.getMessage(), e);
        }
        return database;
    }

    /**
     * PostgreSQL runs as its own daemon (its own session), so a launcher killed without a clean stop,
     * even with its whole process group, leaves it running on the data directory and port. This stops
     * such a server: only the one the data directory's {@code postmaster.pid} names, and only if that
     * process is a {@code postgres} serving this data directory (a reused pid is left alone). A smart
     * shutdown first, as its clients are gone; a kill after 30 s, which crash recovery handles.
     *
     * @return whether a server was stopped
     */
    public static boolean stopOrphan(Path dataDir) {
        Path file = dataDir.resolve("postmaster.pid");
        if (!Files.exists(file)) {
            return false;
        }
        try {
            List<String> lines = Files.readAllLines(file);
            long pid = Long.parseLong(lines.get(0).trim());
            Path served = Path.of(lines.get(1).trim());
            Optional<ProcessHandle> orphan = ProcessHandle.of(pid).filter(h -> isPostgresOf(h, dataDir, served));
            orphan.ifPresent(process -> {
                LOG.warn("Stopping PostgreSQL pid {} left running on {} by an earlier start that did not stop it", pid, dataDir);
                process.destroy();
                process.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> {
                    process.destroyForcibly();
                    return process;
                }).join();
            });
            return orphan.isPresent();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring an unreadable {}: {}", file, e.toString());
            return false;
        }
    }

    private static boolean isPostgresOf(ProcessHandle process, Path dataDir, Path served) {
        boolean postgres = process.info().command().map(c -> c.endsWith("/postgres")).orElse(false);
        try {
            return postgres && Files.isSameFile(served, dataDir);
        } catch (IOException e) {
            return false;
        }
    }

    private void createUserAndDatabase() throws SQLException {
        try (Connection admin = postgres.getPostgresDatabase().getConnection(); Statement sql = admin.createStatement()) {
            try (ResultSet role = sql.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + USER + "'")) {
                if (!role.next()) {
                    sql.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
                }
            }
            try (ResultSet db = sql.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + NAME + "'")) {
                if (!db.next()) {
                    sql.execute("CREATE DATABASE " + NAME + " OWNER " + USER);
                }
            }
        }
    }

    public int port() {
        return port;
    }

    /** Stops the server and starts it again on the same data directory and port. */
    public static PostgresServer restart(PostgresServer server, Path dataDir, Path logFile) {
        server.close();
        return start(dataDir, server.port, logFile);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + NAME;
    }

    /** A line to paste into a shell. */
    public String psqlCommand() {
        return "PGPASSWORD=" + PASSWORD + " psql -h " + HOST + " -p " + port + " -U " + USER + " " + NAME;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL did not stop cleanly: " + e.getMessage(), e);
        }
    }
}
