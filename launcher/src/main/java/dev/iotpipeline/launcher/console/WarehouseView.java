package dev.iotpipeline.launcher.console;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the console shows from the warehouse: the latest position of each tracker, an env-sensor's
 * readings, and each device's newest stored reading. Every query reads by device through the
 * tables' (device_id, event_time) index; a connection per request, read-only.
 */
final class WarehouseView {

    /** Readings of one env-sensor at most, newest first, for the chart. */
    static final int MAX_READINGS = 5000;

    record Position(String deviceId, Instant eventTime, double latitude, double longitude, Double speedMps, Double headingDeg) {
    }

    record Reading(Instant eventTime, Double temperatureC, Double humidityPct, Double batteryPct) {
    }

    /** A device's newest stored reading: when it was received and in which format. */
    record LastReading(Instant ingestTime, Instant eventTime, String sourceFormat) {
    }

    private final String jdbcUrl;
    private final String user;
    private final String password;

    WarehouseView(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    /** The newest position of each of these trackers that has one. */
    List<Position> latestPositions(Collection<String> deviceIds) throws SQLException {
        List<Position> positions = new ArrayList<>();
        try (Connection connection = connect()) {
            if (!exists(connection, "iot.positions")) {
                return positions;
            }
            try (PreparedStatement query = connection.prepareStatement("SELECT d.id, p.event_time, p.latitude, p.longitude, p.speed_mps,"
                    + " p.heading_deg FROM unnest(?::text[]) AS d(id) JOIN LATERAL (SELECT * FROM iot.positions WHERE device_id = d.id"
                    + " ORDER BY event_time DESC LIMIT 1) p ON true ORDER BY d.id")) {
                query.setArray(1, ids(connection, deviceIds));
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        positions.add(new Position(rows.getString(1), rows.getTimestamp(2).toInstant(), rows.getDouble(3), rows.getDouble(4),
                                nullable(rows, 5), nullable(rows, 6)));
                    }
                }
            }
        }
        return positions;
    }

    /** An env-sensor's readings since {@code since} (event time), oldest first: the newest {@value #MAX_READINGS} at most. */
    List<Reading> readings(String deviceId, Instant since) throws SQLException {
        List<Reading> readings = new ArrayList<>();
        try (Connection connection = connect()) {
            if (!exists(connection, "iot.env_readings")) {
                return readings;
            }
            try (PreparedStatement query = connection.prepareStatement("SELECT event_time, temperature_c, humidity_pct, battery_pct"
                    + " FROM iot.env_readings WHERE device_id = ? AND event_time >= ? ORDER BY event_time DESC LIMIT " + MAX_READINGS)) {
                query.setString(1, deviceId);
                query.setTimestamp(2, Timestamp.from(since));
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        readings.add(0, new Reading(rows.getTimestamp(1).toInstant(), nullable(rows, 2), nullable(rows, 3), nullable(rows, 4)));
                    }
                }
            }
        }
        return readings;
    }

    /** Per device id, its newest reading in either raw table (the table of its type). */
    Map<String, LastReading> lastReadings(Collection<String> deviceIds) throws SQLException {
        Map<String, LastReading> last = new HashMap<>();
        try (Connection connection = connect()) {
            for (String table : List.of("iot.env_readings", "iot.positions")) {
                if (!exists(connection, table)) {
                    continue;
                }
                try (PreparedStatement query = connection.prepareStatement("SELECT d.id, r.ingest_time, r.event_time, r.source_format"
                        + " FROM unnest(?::text[]) AS d(id) JOIN LATERAL (SELECT ingest_time, event_time, source_format FROM " + table
                        + " WHERE device_id = d.id ORDER BY event_time DESC LIMIT 1) r ON true")) {
                    query.setArray(1, ids(connection, deviceIds));
                    try (ResultSet rows = query.executeQuery()) {
                        while (rows.next()) {
                            LastReading reading = new LastReading(rows.getTimestamp(2).toInstant(), rows.getTimestamp(3).toInstant(),
                                    rows.getString(4));
                            last.merge(rows.getString(1), reading, (a, b) -> a.eventTime().isAfter(b.eventTime()) ? a : b);
                        }
                    }
                }
            }
        }
        return last;
    }

    private Connection connect() throws SQLException {
        Connection connection = DriverManager.getConnection(jdbcUrl, user, password);
        connection.setReadOnly(true);
        return connection;
    }

    /** Whether the sink has created the table yet (it does at its first batch of that family). */
    private static boolean exists(Connection connection, String table) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            query.setString(1, table);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private static Array ids(Connection connection, Collection<String> deviceIds) throws SQLException {
        return connection.createArrayOf("text", deviceIds.toArray());
    }

    private static Double nullable(ResultSet rows, int column) throws SQLException {
        double value = rows.getDouble(column);
        return rows.wasNull() ? null : value;
    }
}
