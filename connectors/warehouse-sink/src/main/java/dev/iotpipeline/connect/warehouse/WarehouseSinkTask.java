package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.BatchSinkTask;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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

    private WarehouseSinkConfig config;
    private BatchLoader loader;
    private Connection connection;

    @Override
    public void start(Map<String, String> props) {
        config = new WarehouseSinkConfig(props);
        open(new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())), config.retryBackoffMs(),
                "warehouse-sink");
        loader = new BatchLoader(config.dbSchema(), config.ledgerTable(), config.rollupsEnabled());
    }

    @Override
    protected void store(SinkRecord record, Batch batch, RowCheck.Admission admission) {
        try {
            BatchLoader.Result result = loader.load(connection(), batch, admission,
                    refused -> deadLetters().rejectRows(record, batch, refused));
            if (result.alreadyLoaded()) {
                LOG.info("Batch {} already loaded; skipped", result.batchId());
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
