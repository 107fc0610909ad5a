package dev.iotpipeline.connect.common;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a sink's dead-letter topic in integration tests. */
public final class DeadLetterTopic {

    private DeadLetterTopic() {
    }

    /** From the start until {@code count} letters match (and whatever else matches by then). */
    public static List<ConsumerRecord<byte[], byte[]>> awaitLetters(Map<String, Object> consumerConfig, String topic,
                                                                   Predicate<ConsumerRecord<byte[], byte[]>> match, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (match.test(r)) {
                        letters.add(r);
                    }
                });
                return letters.size() >= count;
            });
            return letters;
        }
    }

    /** Every letter written so far, to the end of each partition. */
    public static List<ConsumerRecord<byte[], byte[]>> soFar(Map<String, Object> consumerConfig, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(letters::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
            return letters;
        }
    }

    /** A header's value as UTF-8, or null. */
    public static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
