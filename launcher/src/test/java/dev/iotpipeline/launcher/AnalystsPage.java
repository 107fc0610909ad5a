package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example queries of {@code docs/analysts.md}, run as the page shows them: the warehouse ones
 * against PostgreSQL, the lake ones in DuckDB with the page's lake path ({@code data/lake/})
 * pointed at the test's. Each must run and return rows.
 */
final class AnalystsPage {

    private static final Pattern QUERY = Pattern.compile("```sql (warehouse|lake)\\n(.*?)```", Pattern.DOTALL);

    /** One example: where it runs and its SQL. */
    record Query(String target, String sql) {
    }

    private AnalystsPage() {
    }

    static List<Query> queries() throws IOException {
        Path page = Path.of(System.getProperty("iot.repository.root", "..")).resolve("docs/analysts.md");
        Matcher matcher = QUERY.matcher(Files.readString(page));
        List<Query> queries = new ArrayList<>();
        while (matcher.find()) {
            queries.add(new Query(matcher.group(1), matcher.group(2).trim()));
        }
        return queries;
    }

    /** Runs every example; fails naming the first one that errs or returns nothing. */
    static void assertEveryQueryReturnsRows(String warehouseUrl, Path lakeDir) throws Exception {
        List<Query> queries = queries();
        assertThat(queries).as("examples on the analysts' page").hasSize(10);
        try (Connection warehouse = DriverManager.getConnection(warehouseUrl, "iot", "iot");
             Connection lake = DriverManager.getConnection("jdbc:duckdb:")) {
            for (Query query : queries) {
                String sql = query.sql().replace("'data/lake/", "'" + lakeDir.toAbsolutePath() + "/");
                Connection target = query.target().equals("warehouse") ? warehouse : lake;
                try (Statement statement = target.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
                    assertThat(rows.next()).as("rows from the analysts' page query:%n%s", query.sql()).isTrue();
                } catch (SQLException e) {
                    throw new AssertionError("The analysts' page query fails on " + query.target() + ":\n" + query.sql(), e);
                }
            }
        }
    }
}
