package dev.iotpipeline.connect.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw tables are partitioned by UTC month of {@code event_time}
 * ({@code iot.env_readings_y2026m12} holds December 2026), so that retention drops whole months
 * instead of deleting rows. Partitions are created on demand before a batch that needs one, each
 * as a table of its own that is then attached (attaching locks the parent far less than
 * {@code CREATE TABLE ... PARTITION OF}, which would wait for, and then block, every analyst's
 * query), one creator at a time per table (an advisory lock).
 *
 * <p>A table created unpartitioned by an earlier version is converted once, in one transaction:
 * its rows move into the partitioned table. If that cannot be done (a view an operator built on it,
 * say), the table stays as it is, the loader keeps working, and retention deletes rows instead.
 */
final class MonthlyPartitions {

    private static final Logger LOG = LoggerFactory.getLogger(MonthlyPartitions.class);
    private static final Pattern SUFFIX = Pattern.compile("_y(\\d{4})m(\\d{2})$");
    /** Advisory lock namespace for partition DDL, with a hash of the table's name as the second key. */
    private static final int DDL_LOCK = 0x10760001;

    private final String dbSchema;
    /** Months known to exist, per table. */
    private final Map<String, Set<YearMonth>> known = new HashMap<>();

    MonthlyPartitions(String dbSchema) {
        this.dbSchema = dbSchema;
    }

    static YearMonth month(Instant eventTime) {
        return YearMonth.from(eventTime.atZone(ZoneOffset.UTC));
    }

    static String name(String table, YearMonth month) {
        return table + String.format("_y%04dm%02d", month.getYear(), month.getMonthValue());
    }

    /** The month a partition of {@code table} holds, by its name, or null when it is not one of ours. */
    static YearMonth monthOf(String table, String partition) {
        if (!partition.startsWith(table + "_y")) {
            return null;
        }
        Matcher matcher = SUFFIX.matcher(partition);
        return matcher.find() && matcher.start() == table.length()
                ? YearMonth.of(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))) : null;
    }

    void forget() {
        known.clear();
    }

    /** Whether the table is partitioned (false also when it does not exist). */
    boolean isPartitioned(Connection connection, String table) throws SQLException {
        return "p".equals(relationKind(connection, table));
    }

    private String relationKind(Connection connection, String table) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT c.relkind::text FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            query.setString(1, dbSchema);
            query.setString(2, table);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    /**
     * Makes sure the partitions of these months exist, each in a transaction of its own that is
     * committed before the batch's. A no-op for an unpartitioned table.
     */
    void ensure(Connection connection, String table, Set<YearMonth> months) throws SQLException {
        Set<YearMonth> have = known.computeIfAbsent(table, t -> new HashSet<>());
        if (have.containsAll(months)) {
            return;
        }
        try {
            if (!isPartitioned(connection, table)) {
                connection.commit();
                have.addAll(months);
                return;
            }
            have.addAll(existing(connection, table));
            for (YearMonth month : new TreeSet<>(months)) {
                if (!have.contains(month)) {
                    create(connection, table, month);
                    have.add(month);
                }
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
    }

    /** The months whose partitions are attached to the table. */
    Set<YearMonth> existing(Connection connection, String table) throws SQLException {
        Set<YearMonth> months = new TreeSet<>();
        for (String partition : partitions(connection, table)) {
            YearMonth month = monthOf(table, partition);
            if (month != null) {
                months.add(month);
            }
        }
        return months;
    }

    private List<String> partitions(Connection connection, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT c.relname FROM pg_inherits i "
                + "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                + "JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = ? AND p.relname = ? ORDER BY c.relname")) {
            query.setString(1, dbSchema);
            query.setString(2, table);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
        }
        return names;
    }

    /** Creates and attaches one month's partition, inside the caller's transaction, unless another task just did. */
    private void create(Connection connection, String table, YearMonth month) throws SQLException {
        String parent = qualified(table);
        String partition = name(table, month);
        try (Statement sql = connection.createStatement()) {
            sql.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ", hashtext('" + parent.replace("'", "''") + "'))");
            if (existing(connection, table).contains(month)) {
                return;
            }
            sql.execute("CREATE TABLE IF NOT EXISTS " + qualified(partition) + " (LIKE " + parent
                    + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
            sql.execute("ALTER TABLE " + parent + " ATTACH PARTITION " + qualified(partition) + " FOR VALUES FROM ('"
                    + month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant() + "') TO ('"
                    + month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant() + "')");
        }
        LOG.info("Created the warehouse partition {}.{} for {}", dbSchema, partition, month);
    }

    /**
     * Drops every partition of {@code table} whose month is before {@code firstKept}, each in its
     * own transaction, waiting at most {@code lockTimeoutMs} for queries that use the table (a
     * partition not dropped now is dropped at the next run). Returns the partitions dropped.
     */
    List<String> dropBefore(Connection connection, String table, YearMonth firstKept, long lockTimeoutMs) throws SQLException {
        List<String> dropped = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        for (String partition : partitions(connection, table)) {
            YearMonth month = monthOf(table, partition);
            if (month != null && month.isBefore(firstKept)) {
                candidates.add(partition);
            }
        }
        connection.commit();
        for (String partition : candidates) {
            try (Statement sql = connection.createStatement()) {
                sql.execute("SET LOCAL lock_timeout = " + lockTimeoutMs);
                sql.execute("DROP TABLE IF EXISTS " + qualified(partition));
                connection.commit();
                dropped.add(partition);
                known.getOrDefault(table, new HashSet<>()).remove(monthOf(table, partition));
            } catch (SQLException e) {
                connection.rollback();
                if (!DatabaseErrors.isTransient(e)) {
                    throw e;
                }
                LOG.warn("Could not drop the expired partition {}.{} now (SQLState {}: {}); trying again at the next check",
                        dbSchema, partition, e.getSQLState(), e.getMessage());
            }
        }
        return dropped;
    }

    /**
     * Converts a table an earlier version created unpartitioned, in one transaction: renames it,
     * creates the partitioned table like it, one partition per month its rows span, moves the rows
     * and drops the old table. Returns false, leaving everything as it was, when that fails for a
     * reason other than a transient one.
     */
    boolean convert(Connection connection, String table, String createStatement, List<String> indexes) throws SQLException {
        if (!"r".equals(relationKind(connection, table))) {
            connection.commit();
            return true;
        }
        String old = table + "_unpartitioned";
        try (Statement sql = connection.createStatement()) {
            LOG.info("Converting {}.{} to monthly partitions; its rows move once", dbSchema, table);
            sql.execute("LOCK TABLE " + qualified(table) + " IN ACCESS EXCLUSIVE MODE");
            sql.execute("ALTER TABLE " + qualified(table) + " RENAME TO " + TableDefinitions.quote(old));
            for (String index : List.of(table + "_event_time", table + "_device_event_time")) {
                sql.execute("DROP INDEX IF EXISTS " + qualified(index));
            }
            sql.execute(createStatement);
            for (String index : indexes) {
                sql.execute(index);
            }
            // Columns an operator or an evolved schema added, in the old table's order.
            for (String[] column : typedColumns(connection, old)) {
                sql.execute("ALTER TABLE " + qualified(table) + " ADD COLUMN IF NOT EXISTS " + TableDefinitions.quote(column[0])
                        + " " + column[1]);
            }
            Set<YearMonth> months = new TreeSet<>();
            try (ResultSet rows = sql.executeQuery("SELECT DISTINCT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM') FROM "
                    + qualified(old))) {
                while (rows.next()) {
                    months.add(YearMonth.parse(rows.getString(1)));
                }
            }
            for (YearMonth month : months) {
                create(connection, table, month);
            }
            String columns = String.join(", ", typedColumns(connection, old).stream().map(c -> TableDefinitions.quote(c[0])).toList());
            long moved = sql.executeUpdate("INSERT INTO " + qualified(table) + " (" + columns + ") SELECT " + columns + " FROM "
                    + qualified(old));
            sql.execute("DROP TABLE " + qualified(old));
            connection.commit();
            LOG.info("Converted {}.{}: {} rows in {} monthly partitions", dbSchema, table, moved, months.size());
            return true;
        } catch (SQLException e) {
            connection.rollback();
            if (DatabaseErrors.isTransient(e)) {
                throw e;
            }
            LOG.warn("Could not convert {}.{} to monthly partitions (SQLState {}: {}). It stays unpartitioned: loads go on, "
                    + "and retention deletes its expired rows instead of dropping months. Remove what depends on it and "
                    + "restart the sink to convert it.", dbSchema, table, e.getSQLState(), e.getMessage());
            return false;
        } finally {
            known.remove(table);
        }
    }

    /** {name, type as SQL} of the table's columns in their order. */
    private List<String[]> typedColumns(Connection connection, String table) throws SQLException {
        List<String[]> columns = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
                + "FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            query.setString(1, qualified(table));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.add(new String[] {rows.getString(1), rows.getString(2)});
                }
            }
        }
        return columns;
    }

    private String qualified(String table) {
        return TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(table);
    }
}
