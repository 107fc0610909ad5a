package dev.iotpipeline.connect.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** A task context outside a worker: records timeouts and dead letters (the record and the error's message). */
public final class FakeSinkContext implements SinkTaskContext {

    public final List<Long> timeouts = new ArrayList<>();
    public final List<String> deadLetters = new ArrayList<>();
    public final List<SinkRecord> deadLetterRecords = new ArrayList<>();
    private final boolean withReporter;

    public FakeSinkContext(boolean withReporter) {
        this.withReporter = withReporter;
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        return withReporter ? this::report : null;
    }

    private Future<Void> report(SinkRecord record, Throwable error) {
        deadLetters.add(record.kafkaOffset() + ": " + error.getMessage());
        deadLetterRecords.add(record);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Map<String, String> configs() {
        return Map.of();
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
    }

    @Override
    public void timeout(long timeoutMs) {
        timeouts.add(timeoutMs);
    }

    @Override
    public Set<TopicPartition> assignment() {
        return Set.of();
    }

    @Override
    public void pause(TopicPartition... partitions) {
    }

    @Override
    public void resume(TopicPartition... partitions) {
    }

    @Override
    public void requestCommit() {
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }
}
