package dev.iotpipeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KraftBrokerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;

    @Test
    void restartOnTheSameDirectoryKeepsTopicsRecordsAndCommittedOffsets() throws Exception {
        KraftBroker.Settings settings = KraftBroker.Settings.of(dataDir, Ports.freePort("127.0.0.1"), Ports.freePort("127.0.0.1"));
        String clusterId;
        try (KraftBroker broker = new KraftBroker(settings).start(TIMEOUT); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("readings", 3, (short) 1))).all().get();
            try (KafkaProducer<String, String> producer = producer(broker)) {
                // Transactions prove the transaction-state topic works on one node.
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("readings", "dev-" + (i % 3), "r" + i));
                }
                producer.commitTransaction();
            }
            try (KafkaConsumer<String, String> consumer = consumer(broker)) {
                consumer.subscribe(List.of("readings"));
                assertThat(pollAll(consumer, 10)).hasSize(10);
                consumer.commitSync();
            }
            clusterId = admin.describeCluster().clusterId().get();
        }

        try (KraftBroker broker = new KraftBroker(settings).start(TIMEOUT); Admin admin = admin(broker)) {
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
            assertThat(admin.listTopics().names().get()).contains("readings");
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets("restart-test").partitionsToOffsetAndMetadata().get();
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
                    .as("committed offsets, with one transaction marker per partition written to")
                    .isGreaterThanOrEqualTo(10);
            try (KafkaConsumer<String, String> fresh = consumer(broker, "after-restart")) {
                fresh.subscribe(List.of("readings"));
                assertThat(pollAll(fresh, 10)).extracting(ConsumerRecord::value).hasSize(10).contains("r0", "r9");
            }
        }
    }

    @Test
    void aTakenPortFailsWithAnErrorNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dataDir, port, Ports.freePort("127.0.0.1")));

            assertThatThrownBy(() -> broker.start(TIMEOUT))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("Kafka broker cannot listen on 127.0.0.1:" + port)
                    .hasMessageContaining("already in use");
        }
    }

    private static Admin admin(KraftBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static KafkaProducer<String, String> producer(KraftBroker broker) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "restart-test-tx"), new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(KraftBroker broker) {
        return consumer(broker, "restart-test");
    }

    private static KafkaConsumer<String, String> consumer(KraftBroker broker, String group) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
    }

    private static List<ConsumerRecord<String, String>> pollAll(KafkaConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (records.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
