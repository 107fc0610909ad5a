package dev.iotpipeline.streams.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@link CanonicalLog} over a short-lived read_committed consumer built from the app's own Kafka
 * Streams settings (bootstrap servers, security and {@code consumer.*} / {@code restore.consumer.*}
 * overrides), assigned to the one partition, without a group.
 */
public final class KafkaCanonicalLog implements CanonicalLog {

    private final Map<String, Object> consumerConfig;
    private final Duration timeout;

    KafkaCanonicalLog(Map<String, Object> consumerConfig, Duration timeout) {
        this.consumerConfig = consumerConfig;
        this.timeout = timeout;
    }

    /** From the application's configs, as a processor sees them ({@code ProcessorContext.appConfigs()}). */
    public static KafkaCanonicalLog fromAppConfigs(Map<String, Object> appConfigs, String clientId) {
        StreamsConfig streams = new StreamsConfig(appConfigs);
        Map<String, Object> config = new HashMap<>(streams.getRestoreConsumerConfigs(clientId));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        Object apiTimeout = config.getOrDefault(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        return new KafkaCanonicalLog(config, Duration.ofMillis(Long.parseLong(apiTimeout.toString())));
    }

    @Override
    public List<ConsumerRecord<byte[], byte[]>> read(String topic, int partition, long fromOffset, long toOffset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(Set.of(tp));
            long start = consumer.beginningOffsets(Set.of(tp), timeout).get(tp);
            if (start > fromOffset) {
                throw new IllegalStateException("The open batch's records " + tp + "@" + fromOffset + ".." + toOffset
                        + " are gone: retention deleted the canonical topic up to offset " + start
                        + "; the canonical topic's retention must outlast any outage of the app");
            }
            consumer.seek(tp, fromOffset);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(tp, timeout) <= toOffset) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("Reading " + tp + "@" + fromOffset + ".." + toOffset + " took more than "
                            + timeout + "; read up to " + consumer.position(tp, timeout));
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    if (record.offset() <= toOffset) {
                        records.add(record);
                    }
                }
            }
        }
        return records;
    }
}
