package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.BatchSinkTask;
import dev.iotpipeline.connect.common.Expiry;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads each batch record as it arrives, in its own transaction: a record is already a micro-batch
 * of up to thousands of readings, so buffering more would only delay the load. {@link #put}
 * returns only after the batch is committed, so every offset the worker commits afterwards is
 * durably in the warehouse. A transient database error makes the worker wait and redeliver the
 * same records (the ledger turns the already loaded ones into no-ops); readings that
 * {@link RowCheck} or the database refuse go to the dead-letter topic one by one before the commit
 * ({@link BatchLoader}); a record that cannot be decoded goes there whole (or fails the task when
 * no dead-letter topic is set).
 */
public final class WarehouseSinkTask extends BatchSinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(WarehouseSinkTask.class);

    private final Clock clock;
    private WarehouseSinkConfig config;
    private Retention retention;
    private BatchLoader loader;
    private Connection connection;
    /** Readings of erased devices dropped since the task started. */
    private volatile long erasedReadings;
    /** When the expiry last ran (or failed), or null before the first run. */
    private Instant lastExpiry;

    public WarehouseSinkTask() {
        this(Clock.systemUTC());
    }

    /** With another clock (tests move time on). */
    WarehouseSinkTask(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new WarehouseSinkConfig(props);
        open(new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())), config.retryBackoffMs(),
                "warehouse-sink");
        retention = new Retention(config.dbSchema(), config.retentionDays(), clock, 5_000);
        loader = new BatchLoader(config.dbSchema(), config.ledgerTable(), config.rollupsEnabled(), retention);
        lastExpiry = null;
        addMetric("erased-readings-total", "Readings of erased devices, received before their erasure, dropped instead of stored "
                + "(neither stored nor dead-lettered)", () -> erasedReadings);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        expireWhenDue();
        super.put(records);
    }

    @Override
    protected Expiry expiry(Batch batch) {
        return retention.rawExpiry(batch.family());
    }

    /**
     * Runs the retention's expiry at the first put and then every check interval; a failure is
     * logged and tried again at the next interval, never a reason to stop loading.
     */
    private void expireWhenDue() {
        Instant now = clock.instant();
        if (lastExpiry != null && now.isBefore(lastExpiry.plusMillis(config.retentionCheckIntervalMs()))) {
            return;
        }
        lastExpiry = now;
        try {
            Retention.Removed removed = loader.maintain(connection());
            if (removed == null) {
                LOG.debug("Another task is running the warehouse expiry");
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            LOG.warn("The warehouse expiry failed ({}); trying again in {} ms", e.getMessage(), config.retentionCheckIntervalMs());
        }
    }

    @Override
    protected void store(SinkRecord record, Batch batch, RowCheck.Admission admission) {
        try {
            BatchLoader.Result result = loader.load(connection(), batch, admission,
                    refused -> deadLetters().rejectRows(record, batch, refused));
            erasedReadings += result.erased();
            if (result.alreadyLoaded()) {
                LOG.info("Batch {} already loaded; skipped", result.batchId());
            } else {
                sinkMetrics().stored(result.ingestTimes(), result.inserted(), 0, clock.instant());
            }
        } catch (SQLException e) {
            closeConnection();
            if (DatabaseErrors.isTransient(e)) {
                throw retries().retry("the warehouse is unavailable (SQLState " + e.getSQLState() + "): " + e.getMessage(), e);
            }
            deadLetters().reject(record, e);
        } catch (IllegalArgumentException e) {
            deadLetters().reject(record, e);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(config.url(), config.user(), config.password());
            connection.setAutoCommit(false);
            loader.reset();
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Gone already.
            }
            connection = null;
        }
    }

    @Override
    public void stop() {
        closeConnection();
    }
}
