package dev.iotpipeline.launcher;

import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./pipeline query "<SQL>"}: SQL against the warehouse (the running pipeline's PostgreSQL),
 * or with {@code --lake} against the lake's Parquet files through embedded DuckDB, where the
 * views {@code env_readings} and {@code positions} read every file of their family.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = {"Runs SQL against the warehouse (PostgreSQL of a running './pipeline up'),",
                "or with --lake against the lake's Parquet files (DuckDB; views env_readings and positions)."},
        footer = {"", "Examples:", "  ./pipeline query \"SELECT count(*) FROM iot.env_readings\"",
            "  ./pipeline query \"SELECT * FROM iot.env_readings_1h ORDER BY bucket_start DESC LIMIT 10\"",
            "  ./pipeline query --lake \"SELECT device_id, count(*) FROM positions GROUP BY 1\" --data-dir /srv/iot-data"})
final class QueryCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SQL", description = "The query, e.g. \"SELECT count(*) FROM iot.env_readings\".")
    String sql;

    @Option(names = "--lake", description = "Query the lake's Parquet files instead of the warehouse.")
    boolean lake;

    @Option(names = "--data-dir", defaultValue = "${env:IOT_DATA_DIR:-data}",
            description = "Data directory of the pipeline (env IOT_DATA_DIR, default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--postgres-port", defaultValue = "${env:IOT_POSTGRES_PORT:-5432}",
            description = "Warehouse PostgreSQL port (env IOT_POSTGRES_PORT, default ${DEFAULT-VALUE}).")
    int postgresPort;

    @Override
    public Integer call() {
        try (Connection connection = lake ? lakeConnection() : warehouseConnection();
             Statement statement = connection.createStatement()) {
            if (statement.execute(sql)) {
                try (ResultSet rows = statement.getResultSet()) {
                    ResultTable.print(rows, System.out);
                }
            } else {
                System.out.println(statement.getUpdateCount() + " rows affected");
            }
            return 0;
        } catch (SQLException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 1;
        }
    }

    private Connection warehouseConnection() throws SQLException {
        String url = "jdbc:postgresql://" + EmbeddedSettings.HOST + ":" + postgresPort + "/" + PostgresServer.NAME;
        try {
            return DriverManager.getConnection(url, PostgresServer.USER, PostgresServer.PASSWORD);
        } catch (SQLException e) {
            throw new SQLException("cannot reach the warehouse at " + url + " (is './pipeline up' running?): "
                    + e.getMessage(), e);
        }
    }

    private Connection lakeConnection() throws SQLException {
        Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Path lakeDir = dataDir.resolve("lake").toAbsolutePath();
        try (Statement views = duck.createStatement()) {
            for (MeasurementFamily family : MeasurementFamily.values()) {
                Path dir = lakeDir.resolve(family.lakeDirectory());
                if (hasParquet(dir)) {
                    views.execute("CREATE VIEW " + family.lakeDirectory() + " AS SELECT * FROM read_parquet('"
                            + dir.toString().replace("'", "''") + "/**/*.parquet', hive_partitioning = true)");
                }
            }
        }
        return duck;
    }

    private static boolean hasParquet(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.walk(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".parquet"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Prints a result set as an aligned text table, like psql. */
    static final class ResultTable {

        private ResultTable() {
        }

        static void print(ResultSet rows, PrintStream out) throws SQLException {
            int columns = rows.getMetaData().getColumnCount();
            java.util.List<String[]> lines = new java.util.ArrayList<>();
            String[] header = new String[columns];
            for (int c = 0; c < columns; c++) {
                header[c] = rows.getMetaData().getColumnLabel(c + 1);
            }
            lines.add(header);
            while (rows.next()) {
                String[] line = new String[columns];
                for (int c = 0; c < columns; c++) {
                    Object value = rows.getObject(c + 1);
                    line[c] = value == null ? "" : value.toString();
                }
                lines.add(line);
            }
            int[] widths = new int[columns];
            lines.forEach(line -> {
                for (int c = 0; c < columns; c++) {
                    widths[c] = Math.max(widths[c], line[c].length());
                }
            });
            for (int i = 0; i < lines.size(); i++) {
                StringBuilder text = new StringBuilder();
                for (int c = 0; c < columns; c++) {
                    text.append(c == 0 ? " " : " | ").append(String.format("%-" + widths[c] + "s", lines.get(i)[c]));
                }
                out.println(text.toString().stripTrailing());
                if (i == 0) {
                    StringBuilder rule = new StringBuilder();
                    for (int c = 0; c < columns; c++) {
                        rule.append(c == 0 ? "-" : "-+-").append("-".repeat(widths[c]));
                    }
                    out.println(rule);
                }
            }
            out.printf("(%d row%s)%n", lines.size() - 1, lines.size() == 2 ? "" : "s");
        }
    }
}
