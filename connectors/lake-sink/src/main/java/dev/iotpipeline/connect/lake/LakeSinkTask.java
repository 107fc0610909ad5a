package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.StorageException;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch record as it arrives: a record is already a micro-batch of up to thousands of
 * readings, one file per hour partition it spans, so buffering more would only delay the files
 * (see the README on file sizes). {@link #put} returns after the batch's files are durable and
 * remembers, per partition, the offset after the last record fully handled (written or
 * dead-lettered); {@link #preCommit} returns only those offsets, so the worker never commits past
 * a file that is not on disk or in the bucket. After a crash the worker redelivers from the last
 * commit and the replayed batches overwrite their own files (deterministic names).
 */
public final class LakeSinkTask extends SinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(LakeSinkTask.class);

    private final Function<LakeSinkConfig, SchemaRegistryClient> registries;
    private final Map<TopicPartition, OffsetAndMetadata> durable = new HashMap<>();
    private LakeSinkConfig config;
    private BatchDecoder decoder;
    private BatchFileWriter files;
    private ErrantRecordReporter errants;

    public LakeSinkTask() {
        this(config -> new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())));
    }

    /** With another registry client (the benchmark uses one in memory). */
    LakeSinkTask(Function<LakeSinkConfig, SchemaRegistryClient> registries) {
        this.registries = registries;
    }

    @Override
    public String version() {
        return LakeSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new LakeSinkConfig(props);
        decoder = new BatchDecoder(registries.apply(config));
        files = new BatchFileWriter(config.openStorage(), new ParquetBatchWriter(config.parquetSettings()));
        try {
            errants = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            errants = null; // a worker older than Kafka 2.6
        }
        LOG.info("Lake sink task writing {} Parquet to {}", config.compression(), files.storage().location());
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord record : records) {
            DecodedBatch batch;
            try {
                batch = decoder.decode(record.topic(), (byte[]) record.value());
            } catch (SerializationException e) {
                if (BatchDecoder.registryUnavailable(e)) {
                    throw retry("the schema registry is unavailable: " + e.getMessage(), e);
                }
                reject(record, e);
                handled(record);
                continue;
            } catch (IllegalArgumentException | ClassCastException e) {
                reject(record, e);
                handled(record);
                continue;
            }
            write(record, batch);
            handled(record);
        }
    }

    private void write(SinkRecord record, DecodedBatch batch) {
        try {
            List<String> keys = files.write(batch);
            LOG.debug("Batch {} ({} readings) written as {}", batch.batchId(), batch.readings().size(), keys);
        } catch (StorageException e) {
            if (e.transientFailure()) {
                throw retry("the lake is not writable now: " + e.getMessage(), e);
            }
            throw new ConnectException("Cannot write batch " + batch.batchId() + " from " + where(record) + ": "
                    + e.getMessage(), e);
        }
    }

    private void handled(SinkRecord record) {
        durable.put(new TopicPartition(record.originalTopic(), record.originalKafkaPartition()),
                new OffsetAndMetadata(record.originalKafkaOffset() + 1));
    }

    /** Only offsets whose batches are durably written (or dead-lettered), and only for partitions the worker asks about. */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition partition : currentOffsets.keySet()) {
            OffsetAndMetadata offset = durable.get(partition);
            if (offset != null) {
                commit.put(partition, offset);
            }
        }
        return commit;
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(durable::remove);
    }

    private RetriableException retry(String why, Exception cause) {
        LOG.warn("Retrying in {} ms: {}", config.retryBackoffMs(), why);
        context.timeout(config.retryBackoffMs());
        return new RetriableException(why, cause);
    }

    private void reject(SinkRecord record, Exception error) {
        if (errants == null) {
            throw new ConnectException("Cannot write the batch at " + where(record) + ": " + error.getMessage(), error);
        }
        LOG.warn("Batch at {} sent to the dead-letter topic: {}", where(record), error.getMessage());
        try {
            errants.report(record, error).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while dead-lettering " + where(record), e);
        } catch (ExecutionException e) {
            throw new ConnectException("Could not dead-letter the batch at " + where(record) + ": "
                    + e.getCause().getMessage(), e);
        }
    }

    private static String where(SinkRecord record) {
        return record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
    }

    @Override
    public void stop() {
        if (files != null) {
            files.storage().close();
        }
    }
}
