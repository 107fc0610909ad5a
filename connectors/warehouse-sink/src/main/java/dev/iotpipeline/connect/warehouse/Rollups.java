package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * Rollup tables kept exact in the batch's own transaction: {@code env_readings_1m},
 * {@code env_readings_1h} (per device and UTC minute or hour) and {@code positions_1h} (per device
 * and UTC hour).
 *
 * <p>Every bucket a batch touches is computed again from what its transaction sees: a minute from
 * the raw readings in it, an hour of readings from its minutes, an hour of positions from the raw
 * fixes in it. So a bucket always equals the {@code GROUP BY} over the raw rows, whatever the
 * arrival order: a reading months late recomputes its old bucket, a duplicate the table refused
 * recomputes it to the same values, a replayed batch is skipped by the ledger before it gets here,
 * and a crash rolls the rollups back with the rows and the ledger entry. Sums are {@code numeric}
 * (exact, in any order); averages are generated from them.
 */
final class Rollups {

    /** The ordering that makes "last" well defined when readings share an event time. */
    private static final String LATEST_READING_FIRST = "ORDER BY e.event_time DESC, e.message_id DESC";
    private static final String CARRIES_BATTERY = "WHERE e.battery_pct IS NOT NULL OR e.battery_v IS NOT NULL";
    private static final String EARTH_RADIUS_M = "6371008.8";

    private final String schema;

    Rollups(String dbSchema) {
        this.schema = TableDefinitions.quote(dbSchema);
    }

    /** Statements that create the rollup tables if they do not exist. */
    List<String> create() {
        String envColumns = "device_id text NOT NULL, bucket_start timestamptz NOT NULL, reading_count bigint NOT NULL, "
                + measure("temperature_c") + ", " + measure("humidity_pct") + ", fault_count bigint NOT NULL, "
                + "battery_pct_last double precision, battery_v_last double precision, battery_time timestamptz, "
                + "PRIMARY KEY (device_id, bucket_start)";
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS " + schema,
                "CREATE TABLE IF NOT EXISTS " + table("env_readings_1m") + " (" + envColumns + ")",
                "CREATE TABLE IF NOT EXISTS " + table("env_readings_1h") + " (" + envColumns + ")",
                "CREATE TABLE IF NOT EXISTS " + table("positions_1h") + " (device_id text NOT NULL, "
                        + "bucket_start timestamptz NOT NULL, fix_count bigint NOT NULL, distance_m double precision NOT NULL, "
                        + "speed_mps_max double precision, first_time timestamptz NOT NULL, first_latitude double precision NOT NULL, "
                        + "first_longitude double precision NOT NULL, last_time timestamptz NOT NULL, "
                        + "last_latitude double precision NOT NULL, last_longitude double precision NOT NULL, "
                        + "PRIMARY KEY (device_id, bucket_start))");
    }

    /** Min, max, the exact sum and count of a nullable measure, and the average generated from them. */
    private static String measure(String name) {
        return name + "_min double precision, " + name + "_max double precision, " + name + "_sum numeric, "
                + name + "_count bigint NOT NULL, " + name + "_avg double precision GENERATED ALWAYS AS (("
                + name + "_sum / NULLIF(" + name + "_count, 0))::double precision) STORED";
    }

    /** Recomputes every bucket the batch's readings fall in, inside the caller's transaction. */
    void update(Connection connection, MeasurementFamily family, List<GenericRecord> readings) throws SQLException {
        if (readings.isEmpty()) {
            return;
        }
        if (family == MeasurementFamily.ENV_READING) {
            recompute(connection, envMinutes(), readings, ChronoUnit.MINUTES);
            recompute(connection, envHours(), readings, ChronoUnit.HOURS);
        } else {
            recompute(connection, positionHours(), readings, ChronoUnit.HOURS);
        }
    }

    /** Runs {@code sql} with the distinct (device, bucket) keys of the readings as two arrays. */
    private static void recompute(Connection connection, String sql, List<GenericRecord> readings, ChronoUnit unit)
            throws SQLException {
        Set<List<Object>> keys = new LinkedHashSet<>();
        for (GenericRecord reading : readings) {
            Instant bucket = Batch.eventTime(reading).truncatedTo(unit);
            keys.add(List.of(Batch.text(reading, "device_id"), Timestamp.from(bucket)));
        }
        Array devices = connection.createArrayOf("text", keys.stream().map(k -> k.get(0)).toArray());
        Array buckets = connection.createArrayOf("timestamptz", keys.stream().map(k -> k.get(1)).toArray());
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, devices);
            statement.setArray(2, buckets);
            statement.executeUpdate();
        } finally {
            devices.free();
            buckets.free();
        }
    }

    /** The touched (device, bucket) keys joined to {@code source}'s rows in each bucket. */
    private static String touched(String source, String alias, String timeColumn, String width) {
        return " FROM unnest(?::text[], ?::timestamptz[]) AS t(device_id, bucket_start) JOIN " + source + " " + alias
                + " ON " + alias + ".device_id = t.device_id AND " + alias + "." + timeColumn + " >= t.bucket_start AND "
                + alias + "." + timeColumn + " < t.bucket_start + interval '" + width + "'";
    }

    private String envMinutes() {
        return "INSERT INTO " + table("env_readings_1m") + envInsertColumns()
                + " SELECT t.device_id, t.bucket_start, count(*), "
                + "min(e.temperature_c), max(e.temperature_c), sum(e.temperature_c::numeric), count(e.temperature_c), "
                + "min(e.humidity_pct), max(e.humidity_pct), sum(e.humidity_pct::numeric), count(e.humidity_pct), "
                + "count(*) FILTER (WHERE e.sensor_fault), "
                + "(array_agg(e.battery_pct " + LATEST_READING_FIRST + ") FILTER (" + CARRIES_BATTERY + "))[1], "
                + "(array_agg(e.battery_v " + LATEST_READING_FIRST + ") FILTER (" + CARRIES_BATTERY + "))[1], "
                + "max(e.event_time) FILTER (" + CARRIES_BATTERY + ")"
                + touched(table("env_readings"), "e", "event_time", "1 minute")
                + " GROUP BY t.device_id, t.bucket_start" + envUpsert();
    }

    private String envHours() {
        return "INSERT INTO " + table("env_readings_1h") + envInsertColumns()
                + " SELECT t.device_id, t.bucket_start, sum(m.reading_count), "
                + "min(m.temperature_c_min), max(m.temperature_c_max), sum(m.temperature_c_sum), sum(m.temperature_c_count), "
                + "min(m.humidity_pct_min), max(m.humidity_pct_max), sum(m.humidity_pct_sum), sum(m.humidity_pct_count), "
                + "sum(m.fault_count), "
                // Two readings of one event time fall in the same minute, whose own last reading already broke the tie.
                + "(array_agg(m.battery_pct_last ORDER BY m.battery_time DESC) FILTER (WHERE m.battery_time IS NOT NULL))[1], "
                + "(array_agg(m.battery_v_last ORDER BY m.battery_time DESC) FILTER (WHERE m.battery_time IS NOT NULL))[1], "
                + "max(m.battery_time)"
                + touched(table("env_readings_1m"), "m", "bucket_start", "1 hour")
                + " GROUP BY t.device_id, t.bucket_start" + envUpsert();
    }

    private static String envInsertColumns() {
        return " (device_id, bucket_start, reading_count, temperature_c_min, temperature_c_max, temperature_c_sum, "
                + "temperature_c_count, humidity_pct_min, humidity_pct_max, humidity_pct_sum, humidity_pct_count, fault_count, "
                + "battery_pct_last, battery_v_last, battery_time)";
    }

    private static String envUpsert() {
        return " ON CONFLICT (device_id, bucket_start) DO UPDATE SET reading_count = EXCLUDED.reading_count, "
                + "temperature_c_min = EXCLUDED.temperature_c_min, temperature_c_max = EXCLUDED.temperature_c_max, "
                + "temperature_c_sum = EXCLUDED.temperature_c_sum, temperature_c_count = EXCLUDED.temperature_c_count, "
                + "humidity_pct_min = EXCLUDED.humidity_pct_min, humidity_pct_max = EXCLUDED.humidity_pct_max, "
                + "humidity_pct_sum = EXCLUDED.humidity_pct_sum, humidity_pct_count = EXCLUDED.humidity_pct_count, "
                + "fault_count = EXCLUDED.fault_count, battery_pct_last = EXCLUDED.battery_pct_last, "
                + "battery_v_last = EXCLUDED.battery_v_last, battery_time = EXCLUDED.battery_time";
    }

    /** Fixes in event-time order within their hour; the distance sums the great-circle legs between consecutive ones. */
    private String positionHours() {
        String previousLat = "lag(p.latitude) OVER w";
        String previousLon = "lag(p.longitude) OVER w";
        String haversine = "sqrt(power(sin(radians(p.latitude - " + previousLat + ") / 2), 2) + cos(radians(" + previousLat
                + ")) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - " + previousLon + ") / 2), 2))";
        // Null for the hour's first fix (LEAST would turn that null into 1: half the earth).
        String leg = "2 * " + EARTH_RADIUS_M + " * asin(CASE WHEN " + haversine + " > 1 THEN 1 ELSE " + haversine + " END)";
        String inOrder = "ORDER BY event_time, message_id";
        String latestFirst = "ORDER BY event_time DESC, message_id DESC";
        return "INSERT INTO " + table("positions_1h") + " (device_id, bucket_start, fix_count, distance_m, speed_mps_max, "
                + "first_time, first_latitude, first_longitude, last_time, last_latitude, last_longitude)"
                + " SELECT device_id, bucket_start, count(*), coalesce(sum(leg_m " + inOrder + "), 0), max(speed_mps), "
                + "min(event_time), (array_agg(latitude " + inOrder + "))[1], (array_agg(longitude " + inOrder + "))[1], "
                + "max(event_time), (array_agg(latitude " + latestFirst + "))[1], (array_agg(longitude " + latestFirst + "))[1]"
                + " FROM (SELECT t.device_id, t.bucket_start, p.event_time, p.message_id, p.latitude, p.longitude, p.speed_mps, "
                + leg + " AS leg_m" + touched(table("positions"), "p", "event_time", "1 hour")
                + " WINDOW w AS (PARTITION BY t.device_id, t.bucket_start ORDER BY p.event_time, p.message_id)) fixes"
                + " GROUP BY device_id, bucket_start"
                + " ON CONFLICT (device_id, bucket_start) DO UPDATE SET fix_count = EXCLUDED.fix_count, "
                + "distance_m = EXCLUDED.distance_m, speed_mps_max = EXCLUDED.speed_mps_max, first_time = EXCLUDED.first_time, "
                + "first_latitude = EXCLUDED.first_latitude, first_longitude = EXCLUDED.first_longitude, "
                + "last_time = EXCLUDED.last_time, last_latitude = EXCLUDED.last_latitude, last_longitude = EXCLUDED.last_longitude";
    }

    private String table(String name) {
        return schema + "." + TableDefinitions.quote(name);
    }
}
