package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.RefusedRow;
import dev.iotpipeline.connect.common.RowCheck;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one micro-batch in one transaction: skip it if its id is in the ledger; otherwise COPY its
 * admitted readings into a temporary staging table, insert them into the family's table skipping
 * readings already there (unique device_id, message_id), and record the batch id in the ledger. A
 * replayed batch is a no-op and a reading delivered twice is stored once.
 *
 * <p>A reading the database refuses for its data ({@link DatabaseErrors#isDataError}) never takes
 * its batch-mates with it: the batch is retried under savepoints in halves until the refused
 * readings stand alone (about 2 log n extra attempts per refused reading), every other reading is
 * inserted once, and the refused ones, with the database's reason, are handed to the dead-letter
 * callback before the ledger entry and the commit, so a replay neither loads nor dead-letters again.
 */
public final class BatchLoader {

    /** What loading one batch did. */
    public record Result(String batchId, boolean alreadyLoaded, int records, int inserted, int refused) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);

    private final String dbSchema;
    private final String ledgerTable;
    /** Columns known per table, so DDL runs only when a table or field is new. */
    private final Map<String, Set<String>> knownColumns = new HashMap<>();
    private boolean ledgerReady;

    public BatchLoader(String dbSchema, String ledgerTable) {
        this.dbSchema = dbSchema;
        this.ledgerTable = ledgerTable;
    }

    /** Forget what is known about the tables (after a reconnect, they may have been changed). */
    public void reset() {
        knownColumns.clear();
        ledgerReady = false;
    }

    /**
     * @param deadLetters gets every refused reading (the row check's and the database's), in batch
     *        order, inside the transaction; it must return only when they are durable
     */
    public Result load(Connection connection, Batch batch, RowCheck.Admission admission,
                       Consumer<List<RefusedRow>> deadLetters) throws SQLException {
        String table = batch.family().tableName();
        prepare(connection, table, batch.readingSchema());
        try {
            if (isLoaded(connection, batch.batchId())) {
                connection.rollback();
                return new Result(batch.batchId(), true, batch.readings().size(), 0, 0);
            }
            List<RefusedRow> refused = new ArrayList<>(admission.refused());
            int inserted = new Isolation(connection, table, batch.readingSchema(), admission, refused).insertAll();
            refused.sort(Comparator.comparingInt(RefusedRow::position));
            deadLetters.accept(refused);
            recordInLedger(connection, batch, inserted, refused.size());
            connection.commit();
            LOG.debug("Batch {} loaded: {} readings, {} new, {} refused", batch.batchId(), batch.readings().size(), inserted,
                    refused.size());
            return new Result(batch.batchId(), false, batch.readings().size(), inserted, refused.size());
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection);
            throw e;
        }
    }

    private void prepare(Connection connection, String table, Schema recordSchema) throws SQLException {
        Set<String> known = knownColumns.get(table);
        boolean complete = known != null && recordSchema.getFields().stream().allMatch(f -> known.contains(f.name()));
        if (ledgerReady && complete) {
            return;
        }
        try (Statement sql = connection.createStatement()) {
            for (String ddl : TableDefinitions.ledger(dbSchema, ledgerTable)) {
                sql.execute(ddl);
            }
            for (String ddl : TableDefinitions.create(dbSchema, table, recordSchema)) {
                sql.execute(ddl);
            }
            Set<String> existing = existingColumns(connection, table);
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

    private Set<String> existingColumns(Connection connection, String table) throws SQLException {
        Set<String> columns = new HashSet<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
            query.setString(1, dbSchema);
            query.setString(2, table);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.add(rows.getString(1));
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

    /** Inserts the admitted readings; isolates the ones the database refuses for their data. */
    private final class Isolation {
        private final Connection connection;
        private final String table;
        private final Schema schema;
        private final RowCheck.Admission admission;
        private final List<RefusedRow> refused;
        private final String qualified;
        private final String columns;

        Isolation(Connection connection, String table, Schema schema, RowCheck.Admission admission, List<RefusedRow> refused) {
            this.connection = connection;
            this.table = table;
            this.schema = schema;
            this.admission = admission;
            this.refused = refused;
            this.qualified = TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(table);
            this.columns = String.join(", ", schema.getFields().stream().map(f -> TableDefinitions.quote(f.name())).toList());
        }

        int insertAll() throws SQLException {
            if (admission.admitted().isEmpty()) {
                return 0;
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

        private int copyAndInsert(List<GenericRecord> readings, boolean part) throws SQLException {
            try {
                connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY staging_" + table + " (" + columns
                        + ") FROM STDIN (FORMAT csv)", new StringReader(CsvRows.of(readings, schema)));
            } catch (IOException e) {
                throw new SQLException("COPY into staging_" + table + " failed: " + e.getMessage(), "08006", e);
            }
            try (Statement sql = connection.createStatement()) {
                int inserted = sql.executeUpdate("INSERT INTO " + qualified + " (" + columns + ") SELECT " + columns
                        + " FROM staging_" + table + " ON CONFLICT (device_id, message_id) DO NOTHING");
                if (part) { // staging empties at commit; the next part must not insert this one again
                    sql.execute("TRUNCATE staging_" + table);
                }
                return inserted;
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
