package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.BatchSinkTask;
import dev.iotpipeline.connect.common.DeadLetters;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.StorageException;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch record as it arrives: a record is already a micro-batch of up to thousands of
 * readings, one file per hour partition it spans, so buffering more would only delay the files
 * (see the README on file sizes). Only the readings {@link RowCheck} admits are written; the
 * others go to the dead-letter topic one by one, after the files. The files of all records of one
 * {@link #put} are written one after the other while their fsyncs run behind (local disk); {@code put}
 * waits for all of them, then sends the dead letters and remembers, per partition, the offset after
 * the last record fully handled; {@link #preCommit} returns only those offsets, so the worker never
 * commits past a file that is not on disk or in the bucket. After a crash the worker redelivers from the last commit
 * and the replayed batches overwrite their own files (deterministic names).
 */
public final class LakeSinkTask extends BatchSinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(LakeSinkTask.class);

    private final Function<LakeSinkConfig, SchemaRegistryClient> registries;
    private final Map<TopicPartition, OffsetAndMetadata> durable = new HashMap<>();
    /** Dead letters and handled offsets of this put(), in record order, for when its files are durable. */
    private final List<Runnable> afterWrites = new ArrayList<>();
    private BatchFileWriter files;

    public LakeSinkTask() {
        this(config -> new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())));
    }

    /** With another registry client (the benchmark uses one in memory). */
    LakeSinkTask(Function<LakeSinkConfig, SchemaRegistryClient> registries) {
        this.registries = registries;
    }

    @Override
    public void start(Map<String, String> props) {
        LakeSinkConfig config = new LakeSinkConfig(props);
        open(registries.apply(config), config.retryBackoffMs(), "lake-sink");
        files = new BatchFileWriter(config.openStorage(), new ParquetBatchWriter(config.parquetSettings()));
        LOG.info("Lake sink task writing {} Parquet to {}", config.compression(), files.storage().location());
    }

    @Override
    protected void store(SinkRecord record, Batch batch, RowCheck.Admission admission) {
        try {
            List<String> keys = files.writeLater(batch, admission.admitted());
            LOG.debug("Batch {} ({} readings) written as {}", batch.batchId(), admission.admitted().size(), keys);
        } catch (StorageException e) {
            throw storageFailure("batch " + batch.batchId() + " from " + DeadLetters.where(record), e);
        }
        if (!admission.refused().isEmpty()) { // only then keep the decoded batch until the delivery is durable
            afterWrites.add(() -> deadLetters().rejectRows(record, batch, admission.refused()));
        }
    }

    private RuntimeException storageFailure(String what, StorageException e) {
        if (e.transientFailure()) {
            return retries().retry("the lake is not writable now: " + e.getMessage(), e);
        }
        return new ConnectException("Cannot write " + what + ": " + e.getMessage(), e);
    }

    @Override
    protected void handled(SinkRecord record) {
        TopicPartition partition = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
        OffsetAndMetadata next = new OffsetAndMetadata(record.originalKafkaOffset() + 1);
        afterWrites.add(() -> durable.put(partition, next));
    }

    /** Every file of this put() durable, then its dead letters and offsets, in record order. */
    @Override
    protected void completed() {
        try {
            files.storage().awaitWrites();
        } catch (StorageException e) {
            afterWrites.clear();
            throw storageFailure("the files of this delivery", e);
        }
        try {
            afterWrites.forEach(Runnable::run);
        } finally {
            afterWrites.clear();
        }
    }

    /** The worker redelivers these records: nothing of them counts, and no write of them is left running. */
    @Override
    protected void abandoned() {
        afterWrites.clear();
        try {
            files.storage().awaitWrites();
        } catch (StorageException ignored) {
            // The redelivery writes the same files again.
        }
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

    @Override
    public void stop() {
        if (files != null) {
            files.storage().close();
        }
    }
}
