package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.common.Batch;
import dev.iotpipeline.connect.common.BatchSinkTask;
import dev.iotpipeline.connect.common.DeadLetters;
import dev.iotpipeline.connect.common.Expiry;
import dev.iotpipeline.connect.common.RefusedRow;
import dev.iotpipeline.connect.common.RowCheck;
import dev.iotpipeline.connect.lake.erase.ErasedDevices;
import dev.iotpipeline.connect.lake.erase.ErasureRecord;
import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.retention.LakeRetention;
import dev.iotpipeline.connect.lake.storage.StorageException;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.generic.GenericRecord;
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
 *
 * <p>Retention ({@link LakeRetention}): readings older than what the lake keeps are dead-lettered as
 * expired, and expired partitions are dropped at start and every {@code retention.check.interval.ms}.
 * Erasure ({@link ErasedDevices}): before each delivery the task reads new erasure records, and drops
 * (neither writes nor dead-letters) every reading of an erased device received by its erasure, so a
 * batch still in Kafka cannot bring erased data back.
 */
public final class LakeSinkTask extends BatchSinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(LakeSinkTask.class);

    private final Function<LakeSinkConfig, SchemaRegistryClient> registries;
    private final Clock clock;
    private final Map<TopicPartition, OffsetAndMetadata> durable = new HashMap<>();
    /** Dead letters and handled offsets of this put(), in record order, for when its files are durable. */
    private final List<Runnable> afterWrites = new ArrayList<>();
    private BatchFileWriter files;
    private LakeRetention retention;
    private ErasedDevices erased;
    private volatile long erasedReadings;

    public LakeSinkTask() {
        this(config -> new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())));
    }

    /** With another registry client (the benchmark uses one in memory). */
    LakeSinkTask(Function<LakeSinkConfig, SchemaRegistryClient> registries) {
        this(registries, Clock.systemUTC());
    }

    /** With another clock, for retention's days and check interval. */
    LakeSinkTask(Function<LakeSinkConfig, SchemaRegistryClient> registries, Clock clock) {
        this.registries = registries;
        this.clock = clock;
    }

    @Override
    public void start(Map<String, String> props) {
        LakeSinkConfig config = new LakeSinkConfig(props);
        open(registries.apply(config), config.retryBackoffMs(), "lake-sink");
        files = new BatchFileWriter(config.openStorage(), new ParquetBatchWriter(config.parquetSettings()));
        retention = new LakeRetention(files.storage(), config.retentionDays(), config.retentionCheckIntervalMs(), clock);
        erased = new ErasedDevices(files.storage());
        registerMetrics();
        LOG.info("Lake sink task writing {} Parquet to {}, keeping {}", config.compression(), files.storage().location(),
                config.retentionDays() == 0 ? "everything" : config.retentionDays() + " days");
        retention.checkIfDue();
    }

    /** {@code erased-readings-total}, beside the metrics every batch sink task has. */
    private void registerMetrics() {
        addMetric("erased-readings-total", "Readings of erased devices, received by their erasure, dropped instead of written "
                + "(neither stored nor dead-lettered)", () -> erasedReadings);
    }

    /** Drops expired partitions when due (also on an empty delivery), learns new erasures, then stores the records. */
    @Override
    public void put(Collection<SinkRecord> records) {
        retention.checkIfDue();
        if (!records.isEmpty()) {
            learnErasures();
        }
        super.put(records);
    }

    private void learnErasures() {
        try {
            for (ErasureRecord erasure : erased.refresh()) {
                LOG.info("Device {} is erased from the lake up to {}: its readings received by then are no longer written",
                        erasure.deviceId(), erasure.erasedAt());
            }
        } catch (StorageException e) {
            if (e.transientFailure()) { // without the records, the task cannot tell what it may write
                throw retries().retry("the lake's erasure records cannot be read now: " + e.getMessage(), e);
            }
            throw new ConnectException("Cannot read the lake's erasure records: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ConnectException("Cannot tell which readings are erased: " + e.getMessage(), e);
        }
    }

    @Override
    protected Expiry expiry(Batch batch) {
        return retention.expiry();
    }

    @Override
    protected void store(SinkRecord record, Batch batch, RowCheck.Admission admission) {
        List<GenericRecord> rows = erased.keep(admission.admitted());
        List<RefusedRow> refused = erased.isEmpty() ? admission.refused()
                : admission.refused().stream().filter(row -> !erased.erases(batch.readings().get(row.position()))).toList();
        int dropped = admission.admitted().size() - rows.size() + admission.refused().size() - refused.size();
        if (dropped > 0) {
            erasedReadings += dropped;
            LOG.info("{} of the {} readings of batch {} are of erased devices: dropped, not written", dropped,
                    batch.readings().size(), batch.batchId());
        }
        List<String> keys;
        try {
            keys = files.writeLater(batch, rows);
            LOG.debug("Batch {} ({} readings) written as {}", batch.batchId(), rows.size(), keys);
        } catch (StorageException e) {
            throw storageFailure("batch " + batch.batchId() + " from " + DeadLetters.where(record), e);
        }
        if (!refused.isEmpty()) { // only then keep the decoded batch until the delivery is durable
            afterWrites.add(() -> deadLetters().rejectRows(record, batch, refused));
        }
        List<Instant> ingestTimes = rows.stream().map(reading -> (Instant) reading.get("ingest_time")).toList();
        int fileCount = keys.size();
        afterWrites.add(() -> sinkMetrics().stored(ingestTimes, ingestTimes.size(), fileCount, clock.instant()));
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
