package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one micro-batch in one transaction: skip it if its id is in the ledger; otherwise COPY its
 * readings into a temporary staging table, insert them into the family's table skipping readings
 * already there (unique device_id, message_id), and record the batch id in the ledger. A replayed
 * batch is a no-op and a reading delivered twice is stored once.
 */
public final class BatchLoader {

    /** What loading one batch did. */
    public record Result(String batchId, boolean alreadyLoaded, int records, int inserted) {
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

    public Result load(Connection connection, GenericRecord batch) throws SQLException {
        GenericRecord info = (GenericRecord) batch.get("info");
        String batchId = info.get("batch_id").toString();
        String familyName = info.get("family").toString();
        MeasurementFamily family = MeasurementFamily.byName(familyName).orElseThrow(() ->
                new IllegalArgumentException("batch " + batchId + " has unknown family '" + familyName + "'"));
        @SuppressWarnings("unchecked")
        List<GenericRecord> records = (List<GenericRecord>) batch.get("records");
        Schema recordSchema = batch.getSchema().getField("records").schema().getElementType();
        prepare(connection, family.tableName(), recordSchema);
        try {
            if (isLoaded(connection, batchId)) {
                connection.rollback();
                return new Result(batchId, true, records.size(), 0);
            }
            int inserted = copyAndInsert(connection, family.tableName(), recordSchema, records);
            recordInLedger(connection, info, batchId, familyName, records.size(), inserted);
            connection.commit();
            LOG.debug("Batch {} loaded: {} readings, {} new", batchId, records.size(), inserted);
            return new Result(batchId, false, records.size(), inserted);
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

    private int copyAndInsert(Connection connection, String table, Schema recordSchema, List<GenericRecord> records)
            throws SQLException {
        String qualified = TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(table);
        List<String> fields = recordSchema.getFields().stream().map(Schema.Field::name).toList();
        String columns = String.join(", ", fields.stream().map(TableDefinitions::quote).toList());
        try (Statement sql = connection.createStatement()) {
            sql.execute("CREATE TEMP TABLE IF NOT EXISTS staging_" + table + " (LIKE " + qualified + ") ON COMMIT DELETE ROWS");
        }
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY staging_" + table + " (" + columns
                    + ") FROM STDIN (FORMAT csv)", new StringReader(CsvRows.of(records, recordSchema)));
        } catch (IOException e) {
            throw new SQLException("COPY into staging_" + table + " failed: " + e.getMessage(), "08006", e);
        }
        try (Statement sql = connection.createStatement()) {
            return sql.executeUpdate("INSERT INTO " + qualified + " (" + columns + ") SELECT " + columns + " FROM staging_"
                    + table + " ON CONFLICT (device_id, message_id) DO NOTHING");
        }
    }

    private void recordInLedger(Connection connection, GenericRecord info, String batchId, String family, int records,
                                int inserted) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + ledger()
                + " (batch_id, family, source_topic, source_partition, first_offset, last_offset, record_count, rows_inserted)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, batchId);
            insert.setString(2, family);
            insert.setString(3, info.get("source_topic").toString());
            insert.setInt(4, (Integer) info.get("source_partition"));
            insert.setLong(5, (Long) info.get("first_offset"));
            insert.setLong(6, (Long) info.get("last_offset"));
            insert.setInt(7, records);
            insert.setInt(8, inserted);
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
