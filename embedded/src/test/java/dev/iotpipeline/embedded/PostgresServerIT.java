package dev.iotpipeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerIT {

    @TempDir
    Path dir;

    @Test
    void aServerLeftRunningByAKilledOwnerIsStoppedAndItsDataKept() throws Exception {
        int port = Ports.freePort("127.0.0.1");
        // The first owner is killed without stopping its server: the PostgreSQL daemon keeps running on the port.
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), PostgresOwner.class.getName(), dir.resolve("pg").toString(),
                Integer.toString(port), dir.resolve("pg.log").toString()).redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(owner.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("up")) {
                // start-up output
            }
            assertThat(line).as("the owner started PostgreSQL").isEqualTo("up");
            try (Connection sql = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/iot", PostgresServer.USER,
                    PostgresServer.PASSWORD)) {
                sql.createStatement().execute("CREATE TABLE kept AS SELECT 42 AS answer");
            }
            owner.destroyForcibly().waitFor();
        }
        try (PostgresServer next = PostgresServer.start(dir.resolve("pg"), port, dir.resolve("pg.log"));
             Connection sql = DriverManager.getConnection(next.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD);
             ResultSet rows = sql.createStatement().executeQuery("SELECT answer FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(42);
        }
    }

    @Test
    void commitsAreDurable() throws Exception {
        try (PostgresServer server = PostgresServer.start(dir.resolve("pg2"), Ports.freePort("127.0.0.1"), dir.resolve("pg2.log"));
             Connection sql = DriverManager.getConnection(server.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD)) {
            for (String setting : new String[] {"fsync", "synchronous_commit"}) {
                try (ResultSet rows = sql.createStatement().executeQuery("SHOW " + setting)) {
                    rows.next();
                    assertThat(rows.getString(1)).as(setting).isEqualTo("on");
                }
            }
        }
    }
}
