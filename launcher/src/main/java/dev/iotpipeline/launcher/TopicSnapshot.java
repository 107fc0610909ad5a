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

/** A topic read once, whole or its newest part, to its end as it is now (committed records only), for the operator commands and the console. */
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
        return readFrom(bootstrapServers, topic, (consumer, begin, end) -> {
            Map<TopicPartition, Long> from = new HashMap<>();
            end.forEach((partition, last) -> from.put(partition, Math.max(begin.get(partition), last - offsetsPerPartition)));
            return from;
        });
    }

    /** The committed records of {@code topic} written at or after {@code from} (record timestamps), each partition's in order. */
    public static List<ConsumerRecord<byte[], byte[]>> since(String bootstrapServers, String topic, Instant from) {
        return readFrom(bootstrapServers, topic, (consumer, begin, end) -> {
            Map<TopicPartition, Long> times = new HashMap<>();
            end.keySet().forEach(partition -> times.put(partition, from.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> first = consumer.offsetsForTimes(times, TIMEOUT);
            Map<TopicPartition, Long> offsets = new HashMap<>();
            end.forEach((partition, last) -> offsets.put(partition, first.get(partition) == null ? last : first.get(partition).offset()));
            return offsets; // no record that new: nothing to read there
        }).records();
    }

    /** Where to start reading each partition, knowing its first and end offsets. */
    @FunctionalInterface
    private interface StartOffsets {
        Map<TopicPartition, Long> of(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end);
    }

    /** Every partition of {@code topic} read from where {@code start} says to its end as it is now. */
    private static Window readFrom(String bootstrapServers, String topic, StartOffsets start) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, Map.of())) {
            var infos = consumer.listTopics(TIMEOUT).get(topic);
            if (infos == null) {
                return new Window(records, true);
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            Map<TopicPartition, Long> from = start.of(consumer, begin, end);
            boolean complete = true;
            for (TopicPartition partition : partitions) {
                complete &= from.get(partition).equals(begin.get(partition));
                consumer.seek(partition, from.get(partition));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + TIMEOUT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            return new Window(records, complete);
        }
    }

    /** A consumer of committed records only, that commits nothing, with {@code more} settings. */
    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, Map<String, Object> more) {
        Map<String, Object> config = new HashMap<>(Map.of("bootstrap.servers", bootstrapServers, "isolation.level", "read_committed",
                "enable.auto.commit", false));
        config.putAll(more);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The committed record at {@code offset} of a partition, if there is one (not a marker, not deleted, not aborted). */
    public static Optional<ConsumerRecord<byte[], byte[]>> at(String bootstrapServers, String topic, int partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, Map.of("max.poll.records", 1))) {
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
