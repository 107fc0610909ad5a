package dev.iotpipeline.launcher;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** A topic read once from its start to its end as it is now (committed records only), for the operator commands. */
public final class TopicSnapshot {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TopicSnapshot() {
    }

    /**
     * Committed records of one read.
     *
     * @param complete false when older records were left out
     */
    public record Window(List<ConsumerRecord<byte[], byte[]>> records, boolean complete) {
    }

    /** Every committed record of {@code topic}, each partition's in order; none if it does not exist. */
    public static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, String topic) {
        return newest(bootstrapServers, topic, Long.MAX_VALUE).records();
    }

    /**
     * The committed records among the newest {@code offsetsPerPartition} offsets of each partition
     * (transaction markers take offsets too, so up to that many records), each partition's in order:
     * a topic of millions is read in bounded time.
     */
    public static Window newest(String bootstrapServers, String topic, long offsetsPerPartition) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        boolean complete = true;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "isolation.level", "read_committed", "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var infos = consumer.listTopics(TIMEOUT).get(topic);
            if (infos == null) {
                return new Window(records, true);
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            for (TopicPartition partition : partitions) {
                long from = Math.max(begin.get(partition), end.get(partition) - offsetsPerPartition);
                complete &= from == begin.get(partition);
                consumer.seek(partition, from);
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + TIMEOUT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return new Window(records, complete);
    }

    /** The committed records of {@code topic} written at or after {@code from} (record timestamps), each partition's in order. */
    public static List<ConsumerRecord<byte[], byte[]>> since(String bootstrapServers, String topic, Instant from) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "isolation.level", "read_committed", "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var infos = consumer.listTopics(TIMEOUT).get(topic);
            if (infos == null) {
                return records;
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(p -> times.put(p, from.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> first = consumer.offsetsForTimes(times, TIMEOUT);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp at = first.get(partition);
                consumer.seek(partition, at == null ? end.get(partition) : at.offset()); // null: nothing that new
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + TIMEOUT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }

    /** The committed record at {@code offset} of a partition, if there is one (not a marker, not deleted, not aborted). */
    public static Optional<ConsumerRecord<byte[], byte[]>> at(String bootstrapServers, String topic, int partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "isolation.level", "read_committed", "enable.auto.commit", false, "max.poll.records", 1), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            var infos = consumer.listTopics(TIMEOUT).get(topic);
            if (infos == null || infos.stream().noneMatch(p -> p.partition() == partition)) {
                return Optional.empty();
            }
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            if (offset < consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp) || offset >= end) {
                return Optional.empty();
            }
            consumer.seek(tp, offset);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    return record.offset() == offset ? Optional.of(record) : Optional.empty();
                }
            }
            return Optional.empty();
        }
    }
}
