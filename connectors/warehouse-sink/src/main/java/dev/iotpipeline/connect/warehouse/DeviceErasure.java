package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.RefusedRow;
import dev.iotpipeline.connect.common.RowCheck;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;

/**
 * Erasing a device from the warehouse (a customer leaves, or asks for it): {@link #erase} deletes
 * its rows from the raw and rollup tables and records the erasure in {@code erased_devices}, in one
 * transaction. The loader keeps the promise afterwards: a reading of an erased device that was
 * still on its way (in a topic, a batch being built, a redelivery) is dropped before it is stored
 * when it reached the pipeline before the erasure ({@code ingest_time <= erased_at}), so nothing
 * erased comes back; a device provisioned again under the same id stores its new readings.
 *
 * <p>The two cannot cross: each batch transaction holds an advisory lock in shared mode while it
 * reads the erasures of its devices, and the erasure takes it exclusively, so a batch either commits
 * before the erasure (and its rows are deleted by it) or sees it.
 */
public final class DeviceErasure {

    static final String TABLE = "erased_devices";
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int LOCK = 0x10760002;

    /** Rows deleted per table, in table order. */
    public record Erased(String deviceId, Instant erasedAt, Map<String, Long> rowsDeleted) {
        public long total() {
            return rowsDeleted.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final String dbSchema;

    public DeviceErasure(String dbSchema) {
        this.dbSchema = dbSchema;
    }

    static List<String> create(String dbSchema) {
        return List.of("CREATE TABLE IF NOT EXISTS " + TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(TABLE)
                + " (device_id text PRIMARY KEY, erased_at timestamptz NOT NULL)");
    }

    /**
     * Deletes every row of the device from the raw and rollup tables that exist and records the
     * erasure, in one transaction on {@code connection} (auto-commit off), which it commits.
     */
    public Erased erase(Connection connection, String deviceId, Instant erasedAt) throws SQLException {
        Map<String, Long> deleted = new LinkedHashMap<>();
        try (Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA IF NOT EXISTS " + TableDefinitions.quote(dbSchema));
            for (String ddl : create(dbSchema)) {
                sql.execute(ddl);
            }
            sql.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
            try (PreparedStatement record = connection.prepareStatement("INSERT INTO " + qualified(TABLE) + " (device_id, erased_at)"
                    + " VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET erased_at = greatest(EXCLUDED.erased_at, "
                    + qualified(TABLE) + ".erased_at)")) {
                record.setString(1, deviceId);
                record.setTimestamp(2, Timestamp.from(erasedAt));
                record.executeUpdate();
            }
            for (String table : List.of("env_readings", "positions", "env_readings_1m", "env_readings_1h", "positions_1h")) {
                if (exists(connection, table)) {
                    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + qualified(table)
                            + " WHERE device_id = ?")) {
                        delete.setString(1, deviceId);
                        deleted.put(table, (long) delete.executeUpdate());
                    }
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
        return new Erased(deviceId, erasedAt, deleted);
    }

    /**
     * The admission without the readings of erased devices that reached the pipeline before their
     * erasure: neither stored nor dead-lettered (a dead letter would keep their data); the same
     * admission when there are none. Runs inside the batch's transaction.
     */
    RowCheck.Admission withoutErased(Connection connection, Batch batch, RowCheck.Admission admission) throws SQLException {
        if (batch.readings().isEmpty()) {
            return admission;
        }
        Map<String, Instant> erased = erasedAmong(connection, batch.readings());
        if (erased.isEmpty()) {
            return admission;
        }
        List<GenericRecord> admitted = admission.admitted();
        List<GenericRecord> kept = new ArrayList<>(admitted.size());
        int[] positions = new int[admitted.size()];
        for (int i = 0; i < admitted.size(); i++) {
            if (!erases(erased, admitted.get(i))) {
                positions[kept.size()] = admission.position(i);
                kept.add(admitted.get(i));
            }
        }
        List<RefusedRow> refused = admission.refused().stream()
                .filter(row -> !erases(erased, batch.readings().get(row.position()))).toList();
        return new RowCheck.Admission(kept, Arrays.copyOf(positions, kept.size()), refused);
    }

    /** How many readings {@link #withoutErased} dropped. */
    static int dropped(RowCheck.Admission before, RowCheck.Admission after) {
        return before.admitted().size() + before.refused().size() - after.admitted().size() - after.refused().size();
    }

    private static boolean erases(Map<String, Instant> erased, GenericRecord reading) {
        Object device = reading.get("device_id");
        Instant erasedAt = device == null ? null : erased.get(device.toString());
        Instant ingested = (Instant) reading.get("ingest_time");
        return erasedAt != null && (ingested == null || !ingested.isAfter(erasedAt));
    }

    /** The erasures of the readings' devices, under the shared lock held to the end of the transaction. */
    private Map<String, Instant> erasedAmong(Connection connection, List<GenericRecord> readings) throws SQLException {
        Set<String> devices = new LinkedHashSet<>();
        for (GenericRecord reading : readings) {
            Object device = reading.get("device_id");
            if (device != null && DEVICE_ID.matcher(device.toString()).matches()) { // no other id can have been erased
                devices.add(device.toString());
            }
        }
        try (Statement lock = connection.createStatement()) {
            lock.execute("SELECT pg_advisory_xact_lock_shared(" + LOCK + ")");
        }
        Map<String, Instant> erased = new HashMap<>();
        Array ids = connection.createArrayOf("text", devices.toArray());
        try (PreparedStatement query = connection.prepareStatement("SELECT device_id, erased_at FROM " + qualified(TABLE)
                + " WHERE device_id = ANY(?)")) {
            query.setArray(1, ids);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    erased.put(rows.getString(1), rows.getTimestamp(2).toInstant());
                }
            }
        } finally {
            ids.free();
        }
        return erased;
    }

    private boolean exists(Connection connection, String table) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            query.setString(1, qualified(table));
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    private String qualified(String table) {
        return TableDefinitions.quote(dbSchema) + "." + TableDefinitions.quote(table);
    }
}
