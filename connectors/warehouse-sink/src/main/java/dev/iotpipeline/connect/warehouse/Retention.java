package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Expiry;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long each warehouse table keeps its rows, by event time, and the run that removes what has
 * expired. The raw tables keep whole UTC months: a month goes when all of it is older than the
 * retention, by dropping its partition ({@link MonthlyPartitions}); a late reading of a month that
 * has gone, or is about to, is refused as {@code expired} ({@link #rawExpiry}), never stored again.
 * The rollup tables keep whole UTC days, by deleting rows; a late reading still in the raw
 * retention updates only the rollup buckets that are kept ({@link #rollupCutoffs}). 0 days keeps a
 * table forever.
 */
final class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    /** Advisory lock taken by the one task that runs the expiry at a time. */
    private static final int EXPIRY_LOCK = 0x10760003;
    static final List<String> ROLLUP_TABLES = List.of("env_readings_1m", "env_readings_1h", "positions_1h");

    private final String dbSchema;
    /** Days per table name (raw and rollup tables). */
    private final Map<String, Integer> days;
    private final Clock clock;
    private final long lockTimeoutMs;

    Retention(String dbSchema, Map<String, Integer> days, Clock clock, long lockTimeoutMs) {
        this.dbSchema = dbSchema;
        this.days = Map.copyOf(days);
        this.clock = clock;
        this.lockTimeoutMs = lockTimeoutMs;
    }

    /** Everything kept forever. */
    static Retention forever(String dbSchema) {
        return new Retention(dbSchema, Map.of(), Clock.systemUTC(), 5_000);
    }

    int days(String table) {
        return days.getOrDefault(table, 0);
    }

    /** The raw table's cutoff for this family's readings, or null when it keeps everything. */
    Expiry rawExpiry(MeasurementFamily family) {
        String table = family.tableName();
        Instant cutoff = Expiry.wholeMonths(clock.instant(), days(table));
        return cutoff == null ? null
                : new Expiry(cutoff, dbSchema + "." + table + " keeps " + days(table) + " days, in whole months");
    }

    /** The first bucket start each rollup table keeps, for those that do not keep everything. */
    Map<String, Instant> rollupCutoffs() {
        Map<String, Instant> cutoffs = new LinkedHashMap<>();
        for (String table : ROLLUP_TABLES) {
            Instant cutoff = Expiry.wholeDays(clock.instant(), days(table));
            if (cutoff != null) {
                cutoffs.put(table, cutoff);
            }
        }
        return cutoffs;
    }

    /** What one expiry run removed: partitions dropped and rows deleted, per table. */
    record Removed(Map<String, List<String>> partitionsDropped, Map<String, Long> rowsDeleted) {
    }

    /**
     * Removes what has expired from every table, unless another task is doing it right now (then
     * returns null). Each drop or delete is a transaction of its own that waits at most the lock
     * timeout for the queries using its table; what could not be removed now is removed by the next run.
     */
    Removed expire(Connection connection, MonthlyPartitions partitions) throws SQLException {
        try (Statement sql = connection.createStatement()) {
            try (ResultSet locked = sql.executeQuery("SELECT pg_try_advisory_lock(" + EXPIRY_LOCK + ")")) {
                locked.next();
                if (!locked.getBoolean(1)) {
                    connection.commit();
                    return null;
                }
            }
            try {
                return expireLocked(connection, partitions);
            } finally {
                sql.execute("SELECT pg_advisory_unlock(" + EXPIRY_LOCK + ")");
                connection.commit();
            }
        }
    }

    private Removed expireLocked(Connection connection, MonthlyPartitions partitions) throws SQLException {
        Map<String, List<String>> dropped = new LinkedHashMap<>();
        Map<String, Long> deleted = new LinkedHashMap<>();
        for (MeasurementFamily family : MeasurementFamily.values()) {
            String table = family.tableName();
            Expiry expiry = rawExpiry(family);
            if (expiry == null || !exists(connection, table)) {
                continue;
            }
            if (partitions.isPartitioned(connection, table)) {
                connection.commit();
                List<String> gone = partitions.dropBefore(connection, table, MonthlyPartitions.month(expiry.cutoff()), lockTimeoutMs);
                if (!gone.isEmpty()) {
                    dropped.put(table, gone);
                    LOG.info("Retention: dropped the partitions {} of {}.{} ({})", gone, dbSchema, table, expiry.rule());
                }
            } else {
                deleteBefore(connection, table, "event_time", expiry.cutoff(), deleted);
            }
        }
        for (Map.Entry<String, Instant> cutoff : rollupCutoffs().entrySet()) {
            if (exists(connection, cutoff.getKey())) {
                deleteBefore(connection, cutoff.getKey(), "bucket_start", cutoff.getValue(), deleted);
            }
        }
        return new Removed(dropped, deleted);
    }

    private void deleteBefore(Connection connection, String table, String column, Instant cutoff, Map<String, Long> deleted)
            throws SQLException {
        try (Statement sql = connection.createStatement()) {
            sql.execute("SET LOCAL lock_timeout = " + lockTimeoutMs);
            long rows = sql.executeUpdate("DELETE FROM " + TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(table)
                    + " WHERE " + column + " < '" + cutoff + "'");
            connection.commit();
            if (rows > 0) {
                deleted.put(table, rows);
                LOG.info("Retention: deleted {} rows of {}.{} before {} ({} days)", rows, dbSchema, table, cutoff, days(table));
            }
        } catch (SQLException e) {
            connection.rollback();
            if (!DatabaseErrors.isTransient(e)) {
                throw e;
            }
            LOG.warn("Retention: could not delete the expired rows of {}.{} now (SQLState {}: {}); trying again at the next check",
                    dbSchema, table, e.getSQLState(), e.getMessage());
        }
    }

    private boolean exists(Connection connection, String table) throws SQLException {
        try (Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT to_regclass('" + (TableDefinitions.quote(dbSchema) + "."
                     + TableDefinitions.quote(table)).replace("'", "''") + "') IS NOT NULL")) {
            rows.next();
            return rows.getBoolean(1);
        }
    }

    /** The UTC month of now: with the next one, what the housekeeping creates partitions for ahead of the loads. */
    YearMonth currentMonth() {
        return MonthlyPartitions.month(clock.instant());
    }
}
