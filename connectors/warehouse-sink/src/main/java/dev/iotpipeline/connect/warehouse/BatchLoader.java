package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.RefusedRow;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one micro-batch in one transaction: skip it if its id is in the ledger; otherwise COPY its
 * admitted readings straight into the family's table under a savepoint, and record the batch id in
 * the ledger. A replayed batch is a no-op.
 *
 * <p>When the batch collides with readings already in the table (a reading delivered twice, in two
 * batches: a unique violation on device_id, message_id, event_time) or the database refuses one of its rows,
 * the COPY is rolled back to its savepoint and the batch takes the slow path: COPY into a temporary
 * staging table and {@code INSERT ... ON CONFLICT DO NOTHING}, so a reading
 * delivered twice is stored once. The common batch, new readings only, is written once.
 *
 * <p>A reading the database refuses for its data ({@link DatabaseErrors#isDataError}) never takes
 * its batch-mates with it: on the slow path the batch is retried under savepoints in halves until
 * the refused readings stand alone (about 2 log n extra attempts per refused reading), every other
 * reading is inserted once, and the refused ones, with the database's reason, are handed to the
 * dead-letter callback before the ledger entry and the commit, so a replay neither loads nor
 * dead-letters again.
 *
 * <p>Rows travel in binary COPY ({@link BinaryCopyRows}) when every column has the type the sink
 * creates, otherwise as CSV ({@link CsvRows}).
 *
 * <p>The rollup tables ({@link Rollups}) are brought up to date in the same transaction, for every
 * bucket a batch that inserted anything touches.
 */
public final class BatchLoader {

    /** What loading one batch did. */
    /**
     * @param ingestTimes the {@code ingest_time} of the readings the batch committed (admitted, not
     *        erased; empty for a batch already loaded), for the latency metrics
     */
    public record Result(String batchId, boolean alreadyLoaded, int records, int inserted, int refused, int erased,
                         List<Instant> ingestTimes) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);
    /** invalid_binary_representation: binary COPY into a column of another type. */
    private static final String INVALID_BINARY = "22P03";

    private final String dbSchema;
    private final String ledgerTable;
    /** Kept in each batch's transaction, or null when the rollups are off. */
    private final Rollups rollups;
    private final Retention retention;
    private final MonthlyPartitions partitions;
    private final DeviceErasure erasures;
    /** Columns (name to type, as udt names) known per table, so DDL runs only when a table or field is new. */
    private final Map<String, Map<String, String>> knownColumns = new HashMap<>();
    private boolean ledgerReady;

    /** A loader that keeps the rollup tables ({@link Rollups}). */
    public BatchLoader(String dbSchema, String ledgerTable) {
        this(dbSchema, ledgerTable, true);
    }

    public BatchLoader(String dbSchema, String ledgerTable, boolean rollups) {
        this(dbSchema, ledgerTable, rollups, Retention.forever(dbSchema));
    }

    BatchLoader(String dbSchema, String ledgerTable, boolean rollups, Retention retention) {
        this.dbSchema = dbSchema;
        this.ledgerTable = ledgerTable;
        this.rollups = rollups ? new Rollups(dbSchema) : null;
        this.retention = retention;
        this.partitions = new MonthlyPartitions(dbSchema);
        this.erasures = new DeviceErasure(dbSchema);
    }

    /** Forget what is known about the tables (after a reconnect, they may have been changed). */
    public void reset() {
        knownColumns.clear();
        partitions.forget();
        ledgerReady = false;
    }

    /**
     * The periodic housekeeping: the partitions of this month and the next for every raw table that
     * exists (so loads rarely create one), then the expiry run ({@link Retention#expire}); null when
     * another task was running the expiry.
     */
    Retention.Removed maintain(Connection connection) throws SQLException {
        for (MeasurementFamily family : MeasurementFamily.values()) {
            if (partitions.isPartitioned(connection, family.tableName())) {
                partitions.ensure(connection, family.tableName(),
                        Set.of(retention.currentMonth(), retention.currentMonth().plusMonths(1)));
            }
        }
        connection.commit();
        return retention.expire(connection, partitions);
    }

    /**
     * @param deadLetters gets every refused reading (the row check's and the database's), in batch
     *        order, inside the transaction; it must return only when they are durable
     */
    public Result load(Connection connection, Batch batch, RowCheck.Admission admission,
                       Consumer<List<RefusedRow>> deadLetters) throws SQLException {
        String table = batch.family().tableName();
        prepare(connection, table, batch.readingSchema());
        Set<YearMonth> months = new HashSet<>();
        for (GenericRecord reading : admission.admitted()) {
            months.add(MonthlyPartitions.month(Batch.eventTime(reading)));
        }
        partitions.ensure(connection, table, months);
        try {
            if (isLoaded(connection, batch.batchId())) {
                connection.rollback();
                return new Result(batch.batchId(), true, batch.readings().size(), 0, 0, 0, List.of());
            }
            RowCheck.Admission kept = erasures.withoutErased(connection, batch, admission);
            int erased = DeviceErasure.dropped(admission, kept);
            if (erased > 0) {
                LOG.info("Batch {}: {} readings of erased devices dropped (they reached the pipeline before the erasure)",
                        batch.batchId(), erased);
            }
            List<RefusedRow> refused = new ArrayList<>(kept.refused());
            Isolation isolation = new Isolation(connection, batch, kept, refused, knownColumns.get(table));
            int inserted = isolation.insertAll();
            if (rollups != null) {
                rollups.update(connection, batch.family(), isolation.inserted, retention.rollupCutoffs());
            }
            refused.sort(Comparator.comparingInt(RefusedRow::position));
            deadLetters.accept(refused);
            recordInLedger(connection, batch, inserted, refused.size());
            connection.commit();
            LOG.debug("Batch {} loaded: {} readings, {} new, {} refused", batch.batchId(), batch.readings().size(), inserted,
                    refused.size());
            return new Result(batch.batchId(), false, batch.readings().size(), inserted, refused.size(), erased,
                    kept.admitted().stream().map(reading -> (Instant) reading.get("ingest_time")).toList());
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection);
            throw e;
        }
    }

    private void prepare(Connection connection, String table, Schema recordSchema) throws SQLException {
        Map<String, String> known = knownColumns.get(table);
        boolean complete = known != null && recordSchema.getFields().stream().allMatch(f -> known.containsKey(f.name()));
        if (ledgerReady && complete) {
            return;
        }
        try (Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA IF NOT EXISTS " + TableDefinitions.quote(dbSchema));
            connection.commit();
            partitions.convert(connection, table, TableDefinitions.createTable(dbSchema, table, recordSchema),
                    TableDefinitions.indexes(dbSchema, table));
            for (String ddl : TableDefinitions.ledger(dbSchema, ledgerTable)) {
                sql.execute(ddl);
            }
            for (String ddl : DeviceErasure.create(dbSchema)) {
                sql.execute(ddl);
            }
            for (String ddl : rollups != null ? rollups.create() : List.<String>of()) {
                sql.execute(ddl);
            }
            for (String ddl : TableDefinitions.create(dbSchema, table, recordSchema)) {
                sql.execute(ddl);
            }
            Set<String> existing = existingColumns(connection, table).keySet();
            for (String ddl : TableDefinitions.evolve(dbSchema, table, recordSchema, existing)) {
                LOG.info("Evolving the warehouse: {}", ddl);
                sql.execute(ddl);
            }
            // The staging table copies the table's columns: recreate it after a change.
            sql.execute("DROP TABLE IF EXISTS pg_temp.staging_" + table);
            connection.commit();
        } catch (SQLException e) {
            rollbackQuietly(connection);
            throw e;
        }
        knownColumns.put(table, existingColumns(connection, table));
        ledgerReady = true;
    }

    private Map<String, String> existingColumns(Connection connection, String table) throws SQLException {
        Map<String, String> columns = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
            query.setString(1, dbSchema);
            query.setString(2, table);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        connection.commit();
        return columns;
    }

    private boolean isLoaded(Connection connection, String batchId) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM " + ledger() + " WHERE batch_id = ?")) {
            query.setString(1, batchId);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * Inserts the admitted readings: straight into the table, or, when they collide with rows
     * already there or the database refuses one, through staging; isolates the refused ones.
     */
    private final class Isolation {
        private final Connection connection;
        private final MeasurementFamily family;
        private final String table;
        private final Schema schema;
        private final RowCheck.Admission admission;
        private final List<RefusedRow> refused;
        private final String qualified;
        private final String columns;
        private BinaryCopyRows binary;
        /** The readings inserted, for the rollups: the table's new rows, not those it already had. */
        final List<Rollups.Inserted> inserted = new ArrayList<>();

        Isolation(Connection connection, Batch batch, RowCheck.Admission admission, List<RefusedRow> refused,
                  Map<String, String> columnTypes) {
            this.connection = connection;
            this.family = batch.family();
            this.table = family.tableName();
            this.schema = batch.readingSchema();
            this.admission = admission;
            this.refused = refused;
            this.qualified = TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(table);
            this.columns = String.join(", ", schema.getFields().stream().map(f -> TableDefinitions.quote(f.name())).toList());
            this.binary = BinaryCopyRows.fits(schema, columnTypes) ? new BinaryCopyRows(schema) : null;
        }

        int insertAll() throws SQLException {
            if (admission.admitted().isEmpty()) {
                return 0;
            }
            Savepoint direct = connection.setSavepoint();
            try {
                int copied = copy(qualified, admission.admitted());
                connection.releaseSavepoint(direct);
                if (rollups != null) {
                    admission.admitted().forEach(reading -> inserted.add(Rollups.Inserted.of(reading, family)));
                }
                return copied;
            } catch (SQLException e) {
                if (!DatabaseErrors.isDataError(e)) {
                    throw e;
                }
                connection.rollback(direct);
                if (binary != null && INVALID_BINARY.equals(e.getSQLState())) {
                    // A column's type changed under the running task: CSV now, and read the types again next batch.
                    LOG.info("Table {} no longer has the column types binary COPY needs; loading as CSV", qualified);
                    binary = null;
                    knownColumns.remove(table);
                }
                LOG.debug("Batch into {} takes the staging path (SQLState {}): {}", table, e.getSQLState(), e.getMessage());
            }
            try (Statement sql = connection.createStatement()) {
                sql.execute("CREATE TEMP TABLE IF NOT EXISTS staging_" + table + " (LIKE " + qualified + ") ON COMMIT DELETE ROWS");
            }
            return attempt(0, admission.admitted().size());
        }

        /** Readings [from, to) of the admitted ones, under a savepoint; halves again if the database refuses one. */
        private int attempt(int from, int to) throws SQLException {
            Savepoint savepoint = connection.setSavepoint();
            try {
                int inserted = copyAndInsert(admission.admitted().subList(from, to), to - from < admission.admitted().size());
                connection.releaseSavepoint(savepoint);
                return inserted;
            } catch (SQLException e) {
                if (!DatabaseErrors.isDataError(e)) {
                    throw e;
                }
                connection.rollback(savepoint);
                if (to - from == 1) {
                    refuse(from, e);
                    return 0;
                }
                int middle = (from + to) >>> 1;
                return attempt(from, middle) + attempt(middle, to);
            }
        }

        /** COPY the readings into {@code target}; the rows copied. */
        private int copy(String target, List<GenericRecord> readings) throws SQLException {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            String sql = "COPY " + target + " (" + columns + ") FROM STDIN";
            if (binary != null) {
                return (int) binary.copy(copy.copyIn(sql + " (FORMAT binary)"), readings);
            }
            try {
                return (int) copy.copyIn(sql + " (FORMAT csv)", new StringReader(CsvRows.of(readings, schema)));
            } catch (IOException e) {
                throw new SQLException("COPY into " + target + " failed: " + e.getMessage(), "08006", e);
            }
        }

        private int copyAndInsert(List<GenericRecord> readings, boolean part) throws SQLException {
            copy("staging_" + table, readings);
            try (Statement sql = connection.createStatement()) {
                List<Rollups.Inserted> rows = new ArrayList<>();
                try (ResultSet returned = sql.executeQuery("INSERT INTO " + qualified + " (" + columns + ") SELECT " + columns
                        + " FROM staging_" + table + " ON CONFLICT DO NOTHING RETURNING "
                        + Rollups.returning(family))) {
                    while (returned.next()) {
                        rows.add(Rollups.Inserted.of(returned, family));
                    }
                }
                if (part) { // staging empties at commit; the next part must not insert this one again
                    sql.execute("TRUNCATE staging_" + table);
                }
                inserted.addAll(rows); // only once this part's savepoint holds: a refused part inserted nothing
                return rows.size();
            }
        }

        private void refuse(int admittedIndex, SQLException error) {
            GenericRecord reading = admission.admitted().get(admittedIndex);
            int position = admission.position(admittedIndex);
            LOG.debug("Reading {} of a batch refused by the database (SQLState {}): {}", position, error.getSQLState(),
                    error.getMessage());
            refused.add(new RefusedRow(position, Batch.text(reading, "device_id"), Batch.text(reading, "message_id"),
                    "database:" + error.getSQLState(), error.getMessage()));
        }
    }

    private void recordInLedger(Connection connection, Batch batch, int inserted, int refused) throws SQLException {
        GenericRecord info = batch.info();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + ledger()
                + " (batch_id, family, source_topic, source_partition, first_offset, last_offset, record_count, rows_inserted,"
                + " rows_refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, batch.batchId());
            insert.setString(2, batch.family().familyName());
            insert.setString(3, info.get("source_topic").toString());
            insert.setInt(4, (Integer) info.get("source_partition"));
            insert.setLong(5, (Long) info.get("first_offset"));
            insert.setLong(6, (Long) info.get("last_offset"));
            insert.setInt(7, batch.readings().size());
            insert.setInt(8, inserted);
            insert.setInt(9, refused);
            insert.executeUpdate();
        }
    }

    private String ledger() {
        return TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(ledgerTable);
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is likely gone; the caller reconnects.
        }
    }
}
