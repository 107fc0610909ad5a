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

/**
 * A real PostgreSQL server (binaries from a jar) with its data in a directory that survives
 * restarts, on 127.0.0.1, with database, user and password {@code iot}: the embedded warehouse and
 * the tests' database, for local use only.
 */
public final class PostgresServer implements AutoCloseable {

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
