package dev.iotpipeline.connect.lake;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads the lake back with DuckDB, an independent Parquet reader, in memory. */
public final class DuckDb {

    private DuckDb() {
    }

    /** {@code read_parquet} over every file of a family directory, with the Hive partition columns. */
    public static String table(Path lakeRoot, String familyDir) {
        return "read_parquet('" + lakeRoot.resolve(familyDir).toAbsolutePath() + "/**/*.parquet', hive_partitioning = true)";
    }

    /** Each row as a list of column values (as DuckDB's JDBC driver returns them). */
    public static List<List<Object>> rows(String sql) throws SQLException {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<List<Object>> result = new ArrayList<>();
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rows.getObject(i));
                }
                result.add(row);
            }
            return result;
        }
    }

    public static long count(String sql) throws SQLException {
        return ((Number) rows(sql).get(0).get(0)).longValue();
    }
}
