package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * Rollup tables kept exact in the batch's own transaction: {@code env_readings_1m},
 * {@code env_readings_1h} (per device and UTC minute or hour) and {@code positions_1h} (per device
 * and UTC hour).
 *
 * <p>Env readings: the readings a batch inserted (not those the table already had) are aggregated
 * per bucket and merged into the stored bucket: counts and sums add up; minimum, maximum and the last
 * battery values (by event time, then message id) take the new ones when they go beyond. That is
 * exact because the sink only ever adds raw rows, and it costs one index lookup per touched bucket,
 * whatever the table holds. Positions: the distance between consecutive fixes changes when a fix
 * lands between two others, so every touched hour is computed again from its raw fixes, read through
 * the (device_id, event_time) index.
 *
 * <p>So a bucket always equals the {@code GROUP BY} over the raw rows, whatever the arrival order: a
 * reading months late updates its old bucket, a duplicate the table refused changes nothing, a
 * replayed batch is skipped by the ledger before it gets here, and a crash rolls the rollups back with
 * the rows and the ledger entry. Sums are {@code numeric} (exact, in any order); averages are
 * generated from them.
 */
final class Rollups {

    /** A reading the batch inserted, with what the rollups need of it. */
    record Inserted(String deviceId, String messageId, Instant eventTime, Double temperature, Double humidity, Double batteryPct,
                    Double batteryV, boolean fault) {

        static Inserted of(GenericRecord reading, MeasurementFamily family) {
            boolean env = family == MeasurementFamily.ENV_READING;
            return new Inserted(Batch.text(reading, "device_id"), Batch.text(reading, "message_id"), Batch.eventTime(reading),
                    env ? (Double) reading.get("temperature_c") : null, env ? (Double) reading.get("humidity_pct") : null,
                    env ? (Double) reading.get("battery_pct") : null, env ? (Double) reading.get("battery_v") : null,
                    env && Boolean.TRUE.equals(reading.get("sensor_fault")));
        }

        /** A row of {@code INSERT ... RETURNING} {@link #returning}. */
        static Inserted of(ResultSet row, MeasurementFamily family) throws SQLException {
            boolean env = family == MeasurementFamily.ENV_READING;
            return new Inserted(row.getString(1), row.getString(2), row.getTimestamp(3).toInstant(),
                    env ? number(row, 4) : null, env ? number(row, 5) : null, env ? number(row, 6) : null,
                    env ? number(row, 7) : null, env && row.getBoolean(8));
        }

        /** A numeric column as a double: an operator may have changed its type (to real or numeric, say). */
        private static Double number(ResultSet row, int column) throws SQLException {
            Object value = row.getObject(column);
            return value == null ? null : ((Number) value).doubleValue();
        }

        boolean carriesBattery() {
            return batteryPct != null || batteryV != null;
        }
    }

    /** The columns {@link Inserted#of(ResultSet, MeasurementFamily)} reads, for {@code RETURNING}. */
    static String returning(MeasurementFamily family) {
        return family == MeasurementFamily.ENV_READING
                ? "device_id, message_id, event_time, temperature_c, humidity_pct, battery_pct, battery_v, sensor_fault"
                : "device_id, message_id, event_time";
    }

    /** Latest last: by event time, then message id in code point order (PostgreSQL's {@code COLLATE "C"} on UTF-8). */
    private static final Comparator<Inserted> IN_ORDER = Comparator.comparing(Inserted::eventTime)
            .thenComparing(Inserted::messageId, Rollups::compareCodePoints);
    private static final String EARTH_RADIUS_M = "6371008.8";
    private static final String[] ENV_COLUMNS = {"device_id", "bucket_start", "reading_count", "temperature_c_min",
        "temperature_c_max", "temperature_c_sum", "temperature_c_count", "humidity_pct_min", "humidity_pct_max", "humidity_pct_sum",
        "humidity_pct_count", "fault_count", "battery_pct_last", "battery_v_last", "battery_time", "battery_message_id"};
    private static final String[] ENV_TYPES = {"text", "timestamptz", "bigint", "float8", "float8", "numeric", "bigint", "float8",
        "float8", "numeric", "bigint", "bigint", "float8", "float8", "timestamptz", "text"};

    private final String schema;

    Rollups(String dbSchema) {
        this.schema = TableDefinitions.quote(dbSchema);
    }

    /** Statements that create the rollup tables if they do not exist. */
    List<String> create() {
        String envColumns = "device_id text NOT NULL, bucket_start timestamptz NOT NULL, reading_count bigint NOT NULL, "
                + measure("temperature_c") + ", " + measure("humidity_pct") + ", fault_count bigint NOT NULL, "
                + "battery_pct_last double precision, battery_v_last double precision, battery_time timestamptz, "
                + "battery_message_id text, PRIMARY KEY (device_id, bucket_start)";
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS " + schema,
                "CREATE TABLE IF NOT EXISTS " + table("env_readings_1m") + " (" + envColumns + ")",
                "CREATE TABLE IF NOT EXISTS " + table("env_readings_1h") + " (" + envColumns + ")",
                "CREATE TABLE IF NOT EXISTS " + table("positions_1h") + " (device_id text NOT NULL, "
                        + "bucket_start timestamptz NOT NULL, fix_count bigint NOT NULL, distance_m double precision NOT NULL, "
                        + "speed_mps_max double precision, first_time timestamptz NOT NULL, first_latitude double precision NOT NULL, "
                        + "first_longitude double precision NOT NULL, last_time timestamptz NOT NULL, "
                        + "last_latitude double precision NOT NULL, last_longitude double precision NOT NULL, "
                        + "PRIMARY KEY (device_id, bucket_start))",
                // Retention deletes by bucket start.
                "CREATE INDEX IF NOT EXISTS \"env_readings_1m_bucket_start\" ON " + table("env_readings_1m") + " (bucket_start)",
                "CREATE INDEX IF NOT EXISTS \"env_readings_1h_bucket_start\" ON " + table("env_readings_1h") + " (bucket_start)",
                "CREATE INDEX IF NOT EXISTS \"positions_1h_bucket_start\" ON " + table("positions_1h") + " (bucket_start)");
    }

    /** Min, max, the exact sum (0 for none) and count of a nullable measure, and the average generated from them. */
    private static String measure(String name) {
        return name + "_min double precision, " + name + "_max double precision, " + name + "_sum numeric NOT NULL, "
                + name + "_count bigint NOT NULL, " + name + "_avg double precision GENERATED ALWAYS AS (("
                + name + "_sum / NULLIF(" + name + "_count, 0))::double precision) STORED";
    }

    /** Brings every bucket the inserted readings fall in up to date, inside the caller's transaction. */
    void update(Connection connection, MeasurementFamily family, List<Inserted> inserted) throws SQLException {
        update(connection, family, inserted, Map.of());
    }

    /**
     * Like {@link #update(Connection, MeasurementFamily, List)}, but a rollup table with a cutoff
     * in {@code cutoffs} (its retention) gets no bucket that starts before it: that bucket has
     * expired, and one made of a late reading alone would not be the {@code GROUP BY} of its rows.
     */
    void update(Connection connection, MeasurementFamily family, List<Inserted> inserted, Map<String, Instant> cutoffs)
            throws SQLException {
        if (family == MeasurementFamily.ENV_READING) {
            merge(connection, "env_readings_1m", kept(inserted, cutoffs.get("env_readings_1m")), ChronoUnit.MINUTES);
            merge(connection, "env_readings_1h", kept(inserted, cutoffs.get("env_readings_1h")), ChronoUnit.HOURS);
        } else {
            recomputePositionHours(connection, kept(inserted, cutoffs.get("positions_1h")));
        }
    }

    /** The readings whose buckets start at or after the cutoff (buckets divide days, so that is event time). */
    private static List<Inserted> kept(List<Inserted> inserted, Instant cutoff) {
        return cutoff == null ? inserted : inserted.stream().filter(reading -> !reading.eventTime().isBefore(cutoff)).toList();
    }

    /** What the inserted readings add to one bucket. */
    private static final class Delta {
        long count;
        Double temperatureMin;
        Double temperatureMax;
        BigDecimal temperatureSum = BigDecimal.ZERO;
        long temperatureCount;
        Double humidityMin;
        Double humidityMax;
        BigDecimal humiditySum = BigDecimal.ZERO;
        long humidityCount;
        long faults;
        Inserted lastWithBattery;

        void add(Inserted reading) {
            count++;
            if (reading.temperature() != null) {
                temperatureMin = temperatureMin == null ? reading.temperature() : Math.min(temperatureMin, reading.temperature());
                temperatureMax = temperatureMax == null ? reading.temperature() : Math.max(temperatureMax, reading.temperature());
                temperatureSum = temperatureSum.add(BigDecimal.valueOf(reading.temperature()));
                temperatureCount++;
            }
            if (reading.humidity() != null) {
                humidityMin = humidityMin == null ? reading.humidity() : Math.min(humidityMin, reading.humidity());
                humidityMax = humidityMax == null ? reading.humidity() : Math.max(humidityMax, reading.humidity());
                humiditySum = humiditySum.add(BigDecimal.valueOf(reading.humidity()));
                humidityCount++;
            }
            if (reading.fault()) {
                faults++;
            }
            if (reading.carriesBattery() && (lastWithBattery == null || IN_ORDER.compare(reading, lastWithBattery) > 0)) {
                lastWithBattery = reading;
            }
        }
    }

    /** Adds the readings' deltas to their buckets of one env rollup table. */
    private void merge(Connection connection, String rollup, List<Inserted> inserted, ChronoUnit unit) throws SQLException {
        if (inserted.isEmpty()) {
            return;
        }
        Map<List<Object>, Delta> deltas = new LinkedHashMap<>();
        for (Inserted reading : inserted) {
            deltas.computeIfAbsent(List.of(reading.deviceId(), reading.eventTime().truncatedTo(unit)), k -> new Delta()).add(reading);
        }
        List<Object[]> columns = new ArrayList<>();
        for (int c = 0; c < ENV_COLUMNS.length; c++) {
            columns.add(new Object[deltas.size()]);
        }
        int i = 0;
        for (Map.Entry<List<Object>, Delta> entry : deltas.entrySet()) {
            Delta d = entry.getValue();
            Inserted battery = d.lastWithBattery;
            Object[] values = {entry.getKey().get(0), Timestamp.from((Instant) entry.getKey().get(1)), d.count, d.temperatureMin,
                d.temperatureMax, d.temperatureSum, d.temperatureCount, d.humidityMin, d.humidityMax, d.humiditySum, d.humidityCount,
                d.faults, battery == null ? null : battery.batteryPct(), battery == null ? null : battery.batteryV(),
                battery == null ? null : Timestamp.from(battery.eventTime()), battery == null ? null : battery.messageId()};
            for (int c = 0; c < values.length; c++) {
                columns.get(c)[i] = values[c];
            }
            i++;
        }
        StringBuilder unnest = new StringBuilder();
        for (int c = 0; c < ENV_COLUMNS.length; c++) {
            unnest.append(c == 0 ? "" : ", ").append("?::").append(ENV_TYPES[c]).append("[]");
        }
        String names = String.join(", ", ENV_COLUMNS);
        String sql = "INSERT INTO " + table(rollup) + " AS r (" + names + ") SELECT * FROM unnest(" + unnest + ") AS d(" + names + ")"
                + " ON CONFLICT (device_id, bucket_start) DO UPDATE SET reading_count = r.reading_count + EXCLUDED.reading_count, "
                + "temperature_c_min = least(r.temperature_c_min, EXCLUDED.temperature_c_min), "
                + "temperature_c_max = greatest(r.temperature_c_max, EXCLUDED.temperature_c_max), "
                + "temperature_c_sum = r.temperature_c_sum + EXCLUDED.temperature_c_sum, "
                + "temperature_c_count = r.temperature_c_count + EXCLUDED.temperature_c_count, "
                + "humidity_pct_min = least(r.humidity_pct_min, EXCLUDED.humidity_pct_min), "
                + "humidity_pct_max = greatest(r.humidity_pct_max, EXCLUDED.humidity_pct_max), "
                + "humidity_pct_sum = r.humidity_pct_sum + EXCLUDED.humidity_pct_sum, "
                + "humidity_pct_count = r.humidity_pct_count + EXCLUDED.humidity_pct_count, "
                + "fault_count = r.fault_count + EXCLUDED.fault_count, "
                + newerBattery("battery_pct_last") + ", " + newerBattery("battery_v_last") + ", " + newerBattery("battery_time") + ", "
                + newerBattery("battery_message_id");
        List<Array> arrays = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int c = 0; c < ENV_COLUMNS.length; c++) {
                Array array = connection.createArrayOf(ENV_TYPES[c], columns.get(c));
                arrays.add(array);
                statement.setArray(c + 1, array);
            }
            statement.executeUpdate();
        } finally {
            for (Array array : arrays) {
                array.free();
            }
        }
    }

    /** The bucket takes the new battery values when they come from a later reading (event time, then message id). */
    private static String newerBattery(String column) {
        return column + " = CASE WHEN EXCLUDED.battery_time IS NOT NULL AND (r.battery_time IS NULL OR "
                + "(EXCLUDED.battery_time, EXCLUDED.battery_message_id COLLATE \"C\") > (r.battery_time, r.battery_message_id COLLATE \"C\")) "
                + "THEN EXCLUDED." + column + " ELSE r." + column + " END";
    }

    /** Every touched hour of positions, computed again from its raw fixes in event-time order. */
    private void recomputePositionHours(Connection connection, List<Inserted> inserted) throws SQLException {
        if (inserted.isEmpty()) {
            return;
        }
        Set<List<Object>> keys = new LinkedHashSet<>();
        for (Inserted fix : inserted) {
            keys.add(List.of(fix.deviceId(), Timestamp.from(fix.eventTime().truncatedTo(ChronoUnit.HOURS))));
        }
        try (Statement settings = connection.createStatement()) {
            // One index range per hour. A table that is new or just truncated has the statistics of an empty one, and the
            // planner would otherwise scan it whole once per hour.
            settings.execute("SET LOCAL enable_seqscan = off");
        }
        Array devices = connection.createArrayOf("text", keys.stream().map(k -> k.get(0)).toArray());
        Array hours = connection.createArrayOf("timestamptz", keys.stream().map(k -> k.get(1)).toArray());
        try (PreparedStatement statement = connection.prepareStatement(positionHours())) {
            statement.setArray(1, devices);
            statement.setArray(2, hours);
            statement.executeUpdate();
        } finally {
            devices.free();
            hours.free();
        }
    }

    /**
     * Fixes in event-time order within their hour; the distance sums the great-circle legs between
     * consecutive ones. The fixes of an hour are read by a row comparison on (device_id, event_time),
     * which only the index of those two columns serves.
     */
    private String positionHours() {
        String previousLat = "lag(p.latitude) OVER w";
        String previousLon = "lag(p.longitude) OVER w";
        String haversine = "sqrt(power(sin(radians(p.latitude - " + previousLat + ") / 2), 2) + cos(radians(" + previousLat
                + ")) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - " + previousLon + ") / 2), 2))";
        // Null for the hour's first fix (LEAST would turn that null into 1: half the earth).
        String leg = "2 * " + EARTH_RADIUS_M + " * asin(CASE WHEN " + haversine + " > 1 THEN 1 ELSE " + haversine + " END)";
        String inOrder = "ORDER BY event_time, message_id COLLATE \"C\"";
        String latestFirst = "ORDER BY event_time DESC, message_id COLLATE \"C\" DESC";
        return "INSERT INTO " + table("positions_1h") + " (device_id, bucket_start, fix_count, distance_m, speed_mps_max, "
                + "first_time, first_latitude, first_longitude, last_time, last_latitude, last_longitude)"
                + " SELECT t.device_id, t.bucket_start, h.* FROM unnest(?::text[], ?::timestamptz[]) AS t(device_id, bucket_start)"
                + " CROSS JOIN LATERAL (SELECT count(*), coalesce(sum(leg_m " + inOrder + "), 0), max(speed_mps), "
                + "min(event_time), (array_agg(latitude " + inOrder + "))[1], (array_agg(longitude " + inOrder + "))[1], "
                + "max(event_time), (array_agg(latitude " + latestFirst + "))[1], (array_agg(longitude " + latestFirst + "))[1]"
                + " FROM (SELECT p.event_time, p.message_id, p.latitude, p.longitude, p.speed_mps, " + leg + " AS leg_m"
                + " FROM " + table("positions") + " p WHERE (p.device_id, p.event_time) >= (t.device_id, t.bucket_start)"
                + " AND (p.device_id, p.event_time) < (t.device_id, t.bucket_start + interval '1 hour')"
                + " AND p.event_time >= t.bucket_start AND p.event_time < t.bucket_start + interval '1 hour'"
                + " WINDOW w AS (ORDER BY p.event_time, p.message_id COLLATE \"C\")) fixes) h"
                + " ON CONFLICT (device_id, bucket_start) DO UPDATE SET fix_count = EXCLUDED.fix_count, "
                + "distance_m = EXCLUDED.distance_m, speed_mps_max = EXCLUDED.speed_mps_max, first_time = EXCLUDED.first_time, "
                + "first_latitude = EXCLUDED.first_latitude, first_longitude = EXCLUDED.first_longitude, "
                + "last_time = EXCLUDED.last_time, last_latitude = EXCLUDED.last_latitude, last_longitude = EXCLUDED.last_longitude";
    }

    /** Code point order without allocating (it runs for every inserted reading that carries a battery value). */
    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private String table(String name) {
        return schema + "." + TableDefinitions.quote(name);
    }
}
