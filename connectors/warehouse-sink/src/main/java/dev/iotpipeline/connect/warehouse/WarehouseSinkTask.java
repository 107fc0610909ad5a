package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads each batch record as it arrives, in its own transaction: a record is already a micro-batch
 * of up to thousands of readings, so buffering more would only delay the load. {@link #put}
 * returns only after the batch is committed, so every offset the worker commits afterwards is
 * durably in the warehouse. A transient database error makes the worker wait and redeliver the
 * same records (the ledger turns the already loaded ones into no-ops); a record that cannot be
 * decoded goes to the errant record reporter (dead-letter topic) or fails the task when none is set.
 */
public final class WarehouseSinkTask extends SinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(WarehouseSinkTask.class);

    private WarehouseSinkConfig config;
    private BatchDecoder decoder;
    private BatchLoader loader;
    private Connection connection;
    private ErrantRecordReporter errants;

    @Override
    public String version() {
        return WarehouseSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new WarehouseSinkConfig(props);
        decoder = new BatchDecoder(new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())));
        loader = new BatchLoader(config.dbSchema(), config.ledgerTable());
        try {
            errants = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            errants = null; // a worker older than Kafka 2.6
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord record : records) {
            GenericRecord batch;
            try {
                batch = decoder.decode(record.topic(), (byte[]) record.value());
            } catch (SchemaRegistryException e) {
                if (e.retriable()) {
                    throw retry("the schema registry is unavailable: " + e.getMessage(), e);
                }
                reject(record, e);
                continue;
            } catch (RuntimeException e) {
                reject(record, e);
                continue;
            }
            load(record, batch);
        }
    }

    private void load(SinkRecord record, GenericRecord batch) {
        try {
            BatchLoader.Result result = loader.load(connection(), batch);
            if (result.alreadyLoaded()) {
                LOG.info("Batch {} already loaded; skipped", result.batchId());
            }
        } catch (SQLException e) {
            closeConnection();
            if (TransientErrors.isTransient(e)) {
                throw retry("the warehouse is unavailable (SQLState " + e.getSQLState() + "): " + e.getMessage(), e);
            }
            reject(record, e);
        } catch (IllegalArgumentException e) {
            reject(record, e);
        }
    }

    private RetriableException retry(String why, Exception cause) {
        LOG.warn("Retrying in {} ms: {}", config.retryBackoffMs(), why);
        context.timeout(config.retryBackoffMs());
        return new RetriableException(why, cause);
    }

    private void reject(SinkRecord record, Exception error) {
        String where = record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
        if (errants == null) {
            throw new ConnectException("Cannot load the batch at " + where + ": " + error.getMessage(), error);
        }
        LOG.warn("Batch at {} sent to the dead-letter topic: {}", where, error.getMessage());
        try {
            errants.report(record, error).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while dead-lettering " + where, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ConnectException("Could not dead-letter the batch at " + where + ": " + e.getCause().getMessage(), e);
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
