package dev.iotpipeline.launcher;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.command.DeliveryStatus;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import dev.iotpipeline.schemas.contract.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What erasing a device does on Kafka: tombstones for its shadow states (the streams app forgets the
 * shadow and tombstones it on {@link Topics#SHADOW}; compaction then removes every version) and for
 * every command addressed to it alone (the bridges stop delivering them), and waiting for a sink's
 * consumer group to catch up with the batch topics.
 */
final class DeviceTopics implements AutoCloseable {

    static final List<String> SHADOW_TOPICS = List.of(Topics.SHADOW_DESIRED, Topics.SHADOW_REPORTED);

    /** Commands to the device tombstoned, and how many of them had not been delivered nor expired. */
    record Withdrawn(int commands, int pending) {
    }

    private final KafkaOptions kafka;
    private final Admin admin;

    DeviceTopics(KafkaOptions kafka) {
        this.kafka = kafka;
        this.admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers, "request.timeout.ms", 15_000,
                "default.api.timeout.ms", 30_000));
    }

    /** Fails, naming Kafka, when it cannot be reached. */
    void check() {
        try {
            admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrapServers + " (is the pipeline up?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Tombstones the device's shadow states and the commands addressed to it alone. */
    Withdrawn erase(String deviceId) throws InterruptedException {
        var commands = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(kafka.registryUrl), Command.class);
        var statuses = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(kafka.registryUrl), CommandStatus.class);
        Map<String, Command> addressed = new LinkedHashMap<>();
        readAll(Topics.COMMANDS, (key, value) -> {
            if (value == null) {
                addressed.remove(key);
                return;
            }
            Command command = commands.deserialize(Topics.COMMANDS, value);
            if (command.getTarget() == CommandTarget.DEVICE && deviceId.equals(command.getDeviceId())) {
                addressed.put(key, command);
            }
        });
        Set<String> delivered = new HashSet<>();
        readAll(Topics.COMMAND_STATUS, (key, value) -> {
            if (value != null && addressed.containsKey(key)) {
                CommandStatus status = statuses.deserialize(Topics.COMMAND_STATUS, value);
                if (status.getStatus() == DeliveryStatus.DELIVERED && deviceId.equals(status.getDeviceId())) {
                    delivered.add(key);
                }
            }
        });
        Instant now = Instant.now();
        int pending = (int) addressed.values().stream()
                .filter(c -> !delivered.contains(c.getCommandId()) && c.getExpiresTime().isAfter(now)).count();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers,
                "acks", "all", "enable.idempotence", true, "max.block.ms", 15_000, "delivery.timeout.ms", 45_000),
                new StringSerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (String topic : SHADOW_TOPICS) {
                sent.add(producer.send(new ProducerRecord<>(topic, deviceId, null)));
            }
            for (String commandId : addressed.keySet()) {
                sent.add(producer.send(new ProducerRecord<>(Topics.COMMANDS, commandId, null)));
            }
            for (var future : sent) {
                future.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka did not take the tombstones: " + e.getCause().getMessage(), e.getCause());
        }
        return new Withdrawn(addressed.size(), pending);
    }

    /** Every record of a topic from its beginning to its current end (committed records only). */
    private void readAll(String topic, BiConsumer<String, byte[]> each) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers,
                "isolation.level", "read_committed", "enable.auto.commit", false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    each.accept(record.key(), record.value());
                }
            }
        }
    }

    /**
     * Waits until the consumer group has committed, on every batch topic partition, the offset after
     * the last committed record there when this started; false when the timeout came first. (Not the
     * end offset: on a transactional topic the last offset is the commit marker, which a consumer
     * never commits past until another record follows.)
     */
    boolean awaitCatchUp(String group, Duration timeout) throws InterruptedException {
        Map<TopicPartition, Long> target = afterLastRecords();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                boolean caughtUp = target.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
                if (caughtUp) {
                    return true;
                }
                Thread.sleep(500);
            }
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of " + group + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Per batch topic partition, the offset after its last committed record (0 when it has none). */
    private Map<TopicPartition, Long> afterLastRecords() {
        Map<TopicPartition, Long> after = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers,
                "isolation.level", "read_committed", "enable.auto.commit", false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (MeasurementFamily family : MeasurementFamily.values()) {
                consumer.partitionsFor(family.batchTopic(), Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            // Assigned first, and once: offsets fetched for partitions it does not have make the consumer warn.
            consumer.assign(partitions);
            consumer.pause(partitions);
            Map<TopicPartition, Long> stable = consumer.endOffsets(partitions); // the last stable offset, read_committed
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            for (TopicPartition partition : partitions) {
                consumer.resume(List.of(partition));
                after.put(partition, lastRecordBefore(consumer, partition, begin.get(partition), stable.get(partition)) + 1);
                consumer.pause(List.of(partition));
            }
        }
        return after;
    }

    /** The offset of the last committed record before {@code end}, looking back ever further; -1 when there is none. */
    private static long lastRecordBefore(KafkaConsumer<String, byte[]> consumer, TopicPartition partition, long begin, long end) {
        for (long window = 16; ; window *= 4) {
            long from = Math.max(begin, end - window);
            consumer.seek(partition, from);
            long last = -1;
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() < end) {
                        last = Math.max(last, record.offset());
                    }
                }
            }
            if (last >= 0 || from == begin) {
                return last;
            }
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
