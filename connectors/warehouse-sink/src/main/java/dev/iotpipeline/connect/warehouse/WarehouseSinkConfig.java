package dev.iotpipeline.connect.warehouse;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/** The warehouse sink's settings; {@link #CONFIG_DEF} documents every key (see CONFIG.md). */
public final class WarehouseSinkConfig extends AbstractConfig {

    public static final String CONNECTION_URL = "connection.url";
    public static final String CONNECTION_USER = "connection.user";
    public static final String CONNECTION_PASSWORD = "connection.password";
    public static final String DB_SCHEMA = "db.schema";
    public static final String LEDGER_TABLE = "ledger.table";
    public static final String ROLLUPS_ENABLED = "rollups.enabled";
    public static final String REGISTRY_URL = "schema.registry.url";
    public static final String REGISTRY_AUTH = "schema.registry.basic.auth.user.info";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String RETENTION_CHECK_INTERVAL_MS = "retention.check.interval.ms";
    /** Per table: {@code retention.<table>.days}. */
    public static final Map<String, Integer> RETENTION_DEFAULTS = retentionDefaults();

    private static final String DATABASE = "Database";
    private static final String SCHEMAS = "Schema registry";
    private static final String ERRORS = "Retries";
    private static final String RETENTION = "Retention";

    private static Map<String, Integer> retentionDefaults() {
        Map<String, Integer> days = new LinkedHashMap<>();
        days.put("env_readings", 400);
        days.put("positions", 400);
        days.put("env_readings_1m", 90);
        days.put("env_readings_1h", 0);
        days.put("positions_1h", 0);
        return Collections.unmodifiableMap(days);
    }

    public static String retentionKey(String table) {
        return "retention." + table + ".days";
    }

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(CONNECTION_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrl(), Importance.HIGH,
                    "JDBC URL of the PostgreSQL database, e.g. jdbc:postgresql://db:5432/iot.", DATABASE, 1,
                    ConfigDef.Width.LONG, "JDBC URL")
            .define(CONNECTION_USER, Type.STRING, "", Importance.HIGH, "Database user.", DATABASE, 2,
                    ConfigDef.Width.SHORT, "User")
            .define(CONNECTION_PASSWORD, Type.PASSWORD, "", Importance.HIGH, "Database password.", DATABASE, 3,
                    ConfigDef.Width.SHORT, "Password")
            .define(DB_SCHEMA, Type.STRING, "iot", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Database schema of the tables iot.env_readings and iot.positions and the ledger; created if missing.",
                    DATABASE, 4, ConfigDef.Width.SHORT, "Schema")
            .define(LEDGER_TABLE, Type.STRING, "loaded_batches", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Table recording every loaded batch id, written in the same transaction as the batch's rows.",
                    DATABASE, 5, ConfigDef.Width.SHORT, "Ledger table")
            .define(ROLLUPS_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Keep the rollup tables env_readings_1m, env_readings_1h and positions_1h exact in each batch's transaction "
                            + "(every bucket a batch touches is recomputed from the rows). Off: raw tables only, loads closer to bare COPY.",
                    DATABASE, 6, ConfigDef.Width.SHORT, "Rollups")
            .define(REGISTRY_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Confluent-compatible schema registry URL(s), comma-separated, to decode the batches' Avro.",
                    SCHEMAS, 1, ConfigDef.Width.LONG, "Registry URL")
            .define(REGISTRY_AUTH, Type.PASSWORD, "", Importance.LOW, "user:password for the registry's basic auth.",
                    SCHEMAS, 2, ConfigDef.Width.SHORT, "Registry auth")
            .define(RETRY_BACKOFF_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(100), Importance.LOW,
                    "Wait before the worker retries a batch after a transient database error (connection lost, "
                            + "server restarting, serialization failure); retries go on until the database is back.",
                    ERRORS, 1, ConfigDef.Width.SHORT, "Retry backoff (ms)");

    static {
        int order = 1;
        for (Map.Entry<String, Integer> table : RETENTION_DEFAULTS.entrySet()) {
            boolean raw = !table.getKey().contains("_1");
            CONFIG_DEF.define(retentionKey(table.getKey()), Type.INT, table.getValue(), ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Days the table " + table.getKey() + " keeps rows, by event time (0: forever). " + (raw
                            ? "Whole UTC months: a month's partition is dropped once all of it is older; a late reading of a month "
                                    + "that has gone is dead-lettered as expired."
                            : "Whole UTC days, by deleting older buckets; a late reading no longer updates them."),
                    RETENTION, order++, ConfigDef.Width.SHORT, table.getKey() + " retention (days)");
        }
        CONFIG_DEF.define(RETENTION_CHECK_INTERVAL_MS, Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(1_000), Importance.LOW,
                "How often a task removes what has expired (one task at a time; also at start). A partition or rows that queries "
                        + "keep locked for more than 5 s are removed at the next check.",
                RETENTION, order, ConfigDef.Width.SHORT, "Retention check interval (ms)");
    }

    public WarehouseSinkConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props);
    }

    public String url() {
        return getString(CONNECTION_URL);
    }

    public String user() {
        return getString(CONNECTION_USER);
    }

    public String password() {
        Password password = getPassword(CONNECTION_PASSWORD);
        return password == null ? "" : password.value();
    }

    public String dbSchema() {
        return getString(DB_SCHEMA);
    }

    public String ledgerTable() {
        return getString(LEDGER_TABLE);
    }

    public boolean rollupsEnabled() {
        return getBoolean(ROLLUPS_ENABLED);
    }

    /** Days per table (0: forever). */
    public Map<String, Integer> retentionDays() {
        Map<String, Integer> days = new LinkedHashMap<>();
        RETENTION_DEFAULTS.keySet().forEach(table -> days.put(table, getInt(retentionKey(table))));
        return days;
    }

    public long retentionCheckIntervalMs() {
        return getLong(RETENTION_CHECK_INTERVAL_MS);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    /** Settings for the schema registry client. */
    public Map<String, Object> registryConfig() {
        Password auth = getPassword(REGISTRY_AUTH);
        return auth == null || auth.value().isEmpty()
                ? Map.of("schema.registry.url", getString(REGISTRY_URL))
                : Map.of("schema.registry.url", getString(REGISTRY_URL), "basic.auth.user.info", auth.value());
    }

    /** Accepts PostgreSQL JDBC URLs only: the loader uses PostgreSQL's COPY. */
    static final class JdbcUrl implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || !value.toString().startsWith("jdbc:postgresql://")) {
                throw new org.apache.kafka.common.config.ConfigException(name, value,
                        "must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)");
            }
        }

        @Override
        public String toString() {
            return "jdbc:postgresql://host:port/database";
        }
    }
}
