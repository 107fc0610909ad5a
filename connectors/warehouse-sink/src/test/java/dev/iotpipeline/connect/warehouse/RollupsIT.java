package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.specific.SpecificRecord;

/**
 * The rollup tables on a real PostgreSQL equal an aggregation over the raw rows after every batch,
 * whatever arrives: readings out of order, months late, several with one event time, a reading
 * twice in one batch or again in a later one, and whole batches replayed. The expected rollups are
 * computed here in Java from the raw rows read back, independently of the SQL that keeps them.
 */
class RollupsIT {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private static final double TOLERANCE = 1e-9;
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    /** Oldest first; readings of one event time by message id. */
    private static final Comparator<Map<String, Object>> IN_ORDER = Comparator.<Map<String, Object>, Instant>comparing(
            r -> (Instant) r.get("event_time")).thenComparing(r -> (String) r.get("message_id"));
    private static Path dir;
    private static PostgresServer postgres;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("rollups-it");
        postgres = PostgresServer.start(dir.resolve("pg"), Ports.freePort("127.0.0.1"), dir.resolve("pg.log"));
    }

    @AfterContainer
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** One delivery: the readings of a batch (indexes into the pool, repeats allowed), possibly after a replay of the previous batch. */
    record Delivery(List<Integer> picks, boolean replayPrevious) {
    }

    @Property(tries = 25)
    void envRollupsEqualTheAggregationOfTheRawRowsAfterEveryBatch(@ForAll("envPool") List<EnvReading> pool,
                                                                  @ForAll("deliveries") List<Delivery> deliveries) throws Exception {
        String schema = "env" + SCHEMAS.incrementAndGet();
        deliverAndCheck(schema, withMessageIds(pool, (r, id) -> EnvReading.newBuilder(r).setMessageId(id).build()), deliveries,
                TestBatches::envBatch, sql -> {
                    List<Map<String, Object>> raw = rows(sql, "SELECT * FROM " + schema + ".env_readings");
                    assertEqual(rows(sql, "SELECT * FROM " + schema + ".env_readings_1m"), expectedEnv(raw, ChronoUnit.MINUTES),
                            schema + " 1m");
                    assertEqual(rows(sql, "SELECT * FROM " + schema + ".env_readings_1h"), expectedEnv(raw, ChronoUnit.HOURS),
                            schema + " 1h");
                });
    }

    @Property(tries = 25)
    void positionRollupsEqualTheAggregationOfTheRawRowsAfterEveryBatch(@ForAll("positionPool") List<Position> pool,
                                                                       @ForAll("deliveries") List<Delivery> deliveries) throws Exception {
        String schema = "pos" + SCHEMAS.incrementAndGet();
        deliverAndCheck(schema, withMessageIds(pool, (p, id) -> Position.newBuilder(p).setMessageId(id).build()), deliveries,
                TestBatches::positionBatch, sql -> assertEqual(rows(sql, "SELECT * FROM " + schema + ".positions_1h"),
                        expectedPositions(rows(sql, "SELECT * FROM " + schema + ".positions")), schema + " positions 1h"));
    }

    /** A batch envelope of readings: partition, first offset, readings. */
    private interface Envelope<T> {
        SpecificRecord of(int partition, long firstOffset, List<T> readings);
    }

    /** What is checked after every batch. */
    private interface Check {
        void run(Connection sql) throws Exception;
    }

    /** Loads the deliveries one batch at a time (replaying the previous batch first where asked) and checks after each. */
    private static <T> void deliverAndCheck(String schema, List<T> unique, List<Delivery> deliveries, Envelope<T> envelope, Check check)
            throws Exception {
        BatchLoader loader = new BatchLoader(schema, "loaded_batches");
        Batch previous = null;
        long offset = 0;
        for (Delivery delivery : deliveries) {
            List<T> readings = delivery.picks().stream().map(i -> unique.get(i % unique.size())).toList();
            Batch batch = TestBatches.decoded(envelope.of(0, offset, readings));
            offset += readings.size();
            if (delivery.replayPrevious() && previous != null) {
                load(loader, previous);
            }
            load(loader, batch);
            previous = batch;
            try (Connection sql = connection()) {
                check.run(sql);
            }
        }
    }

    @Provide
    Arbitrary<List<EnvReading>> envPool() {
        Arbitrary<Double> temperature = Arbitraries.doubles().between(-40, 60).ofScale(2).injectNull(0.2);
        Arbitrary<Double> humidity = Arbitraries.doubles().between(0, 100).ofScale(1).injectNull(0.2);
        Arbitrary<Double> batteryPct = Arbitraries.doubles().between(0, 100).ofScale(0).injectNull(0.5);
        Arbitrary<Double> batteryV = Arbitraries.doubles().between(2.5, 4.2).ofScale(3).injectNull(0.5);
        return Combinators.combine(Arbitraries.integers().between(0, 2), eventTimes(), temperature, humidity, batteryPct, batteryV,
                Arbitraries.of(false, false, false, true), twins())
                .as((device, time, t, h, pct, volts, fault, twin) -> twin ? null
                        : EnvReading.newBuilder(TestBatches.env("dev-" + device, "tbd", time, t))
                        .setTemperatureC(fault ? null : t).setHumidityPct(fault ? null : h).setBatteryPct(pct).setBatteryV(volts)
                        .setSensorFault(fault).build())
                .list().ofMinSize(1).ofMaxSize(40).filter(pool -> pool.stream().anyMatch(Objects::nonNull))
                .map(pool -> withTwins(pool, of -> EnvReading.newBuilder(of).setBatteryPct(of.getBatteryPct() == null ? 50.0 : null)
                        .setBatteryV(of.getBatteryV() == null ? 3.6 : of.getBatteryV() + 0.1).build()));
    }

    /** A third of the pool's readings are twins: another reading of the previous one's device and event time. */
    private static Arbitrary<Boolean> twins() {
        return Arbitraries.of(false, false, true);
    }

    /** Replaces each null (a twin) by {@code twin} of the reading before it; a leading one is dropped. */
    private static <T> List<T> withTwins(List<T> pool, UnaryOperator<T> twin) {
        List<T> filled = new ArrayList<>();
        for (T reading : pool) {
            if (reading != null) {
                filled.add(reading);
            } else if (!filled.isEmpty()) {
                filled.add(twin.apply(filled.get(filled.size() - 1)));
            }
        }
        return filled;
    }

    @Provide
    Arbitrary<List<Position>> positionPool() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), eventTimes(),
                        Arbitraries.doubles().between(-89, 89).ofScale(6), Arbitraries.doubles().between(-179, 179).ofScale(6),
                        Arbitraries.doubles().between(0, 40).ofScale(2).injectNull(0.3), twins())
                .as((device, time, lat, lon, speed, twin) -> twin ? null
                        : Position.newBuilder(TestBatches.position("dev-" + device, "tbd", time))
                        .setLatitude(lat).setLongitude(lon).setSpeedMps(speed).build())
                .list().ofMinSize(1).ofMaxSize(40).filter(pool -> pool.stream().anyMatch(Objects::nonNull))
                .map(pool -> withTwins(pool, of -> Position.newBuilder(of).setLatitude(-of.getLatitude())
                        .setLongitude(of.getLongitude() / 2).build()));
    }

    /**
     * Within three hours, on a coarse grid (every 5 minutes, plus 20 s steps inside a minute) so
     * readings share minutes, hours and event times; a fifth of them 95 days late.
     */
    private static Arbitrary<Instant> eventTimes() {
        Arbitrary<Integer> slot = Arbitraries.integers().between(0, 3 * 12 - 1);
        Arbitrary<Integer> second = Arbitraries.of(0, 20, 40);
        Arbitrary<Instant> recent = Combinators.combine(slot, second).as((s, sec) -> NOW.plusSeconds(s * 300L + sec));
        Arbitrary<Instant> late = Combinators.combine(slot, second).as((s, sec) -> NOW.minus(Duration.ofDays(95)).plusSeconds(s * 300L + sec));
        return Arbitraries.frequencyOf(Tuple.of(4, recent), Tuple.of(1, late));
    }

    @Provide
    Arbitrary<List<Delivery>> deliveries() {
        return Combinators.combine(Arbitraries.integers().between(0, 39).list().ofMinSize(1).ofMaxSize(15),
                        Arbitraries.of(false, false, true))
                .as(Delivery::new).list().ofMinSize(1).ofMaxSize(6);
    }

    private static <T> List<T> withMessageIds(List<T> pool, BiFunction<T, String, T> setId) {
        List<T> unique = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            unique.add(setId.apply(pool.get(i), "m" + i));
        }
        return unique;
    }

    private static void load(BatchLoader loader, Batch batch) throws SQLException {
        try (Connection sql = connection()) {
            sql.setAutoCommit(false);
            loader.load(sql, batch, RowCheck.admit(batch), refused -> { });
        }
    }

    // The oracle: rollups computed in Java from the raw rows.

    private static Map<String, Map<String, Object>> expectedEnv(List<Map<String, Object>> raw, ChronoUnit unit) {
        Map<String, List<Map<String, Object>>> buckets = bucketed(raw, unit);
        Map<String, Map<String, Object>> expected = new TreeMap<>();
        buckets.forEach((key, rows) -> {
            Map<String, Object> row = new TreeMap<>();
            row.put("reading_count", (long) rows.size());
            measure(row, rows, "temperature_c");
            measure(row, rows, "humidity_pct");
            row.put("fault_count", rows.stream().filter(r -> Boolean.TRUE.equals(r.get("sensor_fault"))).count());
            Map<String, Object> last = rows.stream().filter(r -> r.get("battery_pct") != null || r.get("battery_v") != null)
                    .max(IN_ORDER).orElse(null);
            row.put("battery_pct_last", last == null ? null : last.get("battery_pct"));
            row.put("battery_v_last", last == null ? null : last.get("battery_v"));
            row.put("battery_time", last == null ? null : last.get("event_time"));
            row.put("battery_message_id", last == null ? null : last.get("message_id"));
            expected.put(key, row);
        });
        return expected;
    }

    private static void measure(Map<String, Object> row, List<Map<String, Object>> rows, String column) {
        List<Double> values = rows.stream().map(r -> (Double) r.get(column)).filter(Objects::nonNull).toList();
        row.put(column + "_count", (long) values.size());
        row.put(column + "_min", values.stream().min(Double::compare).orElse(null));
        row.put(column + "_max", values.stream().max(Double::compare).orElse(null));
        row.put(column + "_avg", values.isEmpty() ? null : values.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    }

    private static Map<String, Map<String, Object>> expectedPositions(List<Map<String, Object>> raw) {
        Map<String, Map<String, Object>> expected = new TreeMap<>();
        bucketed(raw, ChronoUnit.HOURS).forEach((key, rows) -> {
            List<Map<String, Object>> fixes = rows.stream().sorted(IN_ORDER).toList();
            double distance = 0;
            for (int i = 1; i < fixes.size(); i++) {
                distance += haversineMetres(fixes.get(i - 1), fixes.get(i));
            }
            Map<String, Object> first = fixes.get(0);
            Map<String, Object> last = fixes.get(fixes.size() - 1);
            Map<String, Object> row = new TreeMap<>();
            row.put("fix_count", (long) fixes.size());
            row.put("distance_m", distance);
            row.put("speed_mps_max", fixes.stream().map(r -> (Double) r.get("speed_mps")).filter(Objects::nonNull)
                    .max(Double::compare).orElse(null));
            row.put("first_time", first.get("event_time"));
            row.put("first_latitude", first.get("latitude"));
            row.put("first_longitude", first.get("longitude"));
            row.put("last_time", last.get("event_time"));
            row.put("last_latitude", last.get("latitude"));
            row.put("last_longitude", last.get("longitude"));
            expected.put(key, row);
        });
        return expected;
    }

    private static double haversineMetres(Map<String, Object> a, Map<String, Object> b) {
        double lat1 = Math.toRadians((Double) a.get("latitude"));
        double lat2 = Math.toRadians((Double) b.get("latitude"));
        double dLat = lat2 - lat1;
        double dLon = Math.toRadians((Double) b.get("longitude") - (Double) a.get("longitude"));
        double h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(lat1) * Math.cos(lat2) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
    }

    private static Map<String, List<Map<String, Object>>> bucketed(List<Map<String, Object>> raw, ChronoUnit unit) {
        return raw.stream().collect(Collectors.groupingBy(
                r -> r.get("device_id") + "|" + ((Instant) r.get("event_time")).truncatedTo(unit), TreeMap::new, Collectors.toList()));
    }

    /** The table's rows keyed like the oracle's, each with the oracle's columns only. */
    private static void assertEqual(List<Map<String, Object>> table, Map<String, Map<String, Object>> expected, String what) {
        Map<String, Map<String, Object>> actual = table.stream().collect(Collectors.toMap(
                r -> r.get("device_id") + "|" + r.get("bucket_start"), Function.identity(), (a, b) -> a, TreeMap::new));
        assertThat(actual.keySet()).as(what + ": buckets").isEqualTo(expected.keySet());
        expected.forEach((key, row) -> row.forEach((column, value) -> {
            Object got = actual.get(key).get(column);
            String where = what + " " + key + " " + column;
            if (value instanceof Double d && got instanceof Double g) {
                assertThat(g).as(where).isCloseTo(d, offset(TOLERANCE * Math.max(1, Math.abs(d))));
            } else {
                assertThat(got).as(where).isEqualTo(value);
            }
        }));
    }

    /** Rows as column name to value: timestamps as Instants, integers widened to long where the rollups count. */
    private static List<Map<String, Object>> rows(Connection sql, String query) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement statement = sql.createStatement(); ResultSet result = statement.executeQuery(query)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                Map<String, Object> row = new TreeMap<>();
                for (int c = 1; c <= columns; c++) {
                    Object value = result.getObject(c);
                    if (value instanceof Timestamp timestamp) {
                        value = timestamp.toInstant();
                    } else if (value instanceof BigDecimal decimal) {
                        value = decimal.doubleValue();
                    }
                    row.put(result.getMetaData().getColumnName(c), value);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, PostgresServer.PASSWORD);
    }
}
