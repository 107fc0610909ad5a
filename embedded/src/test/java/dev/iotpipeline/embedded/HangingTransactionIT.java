package dev.iotpipeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker data directory as a whole pipeline left it after being SIGKILLed twice under load (kept
 * from a failed crash test): the streams app's first transaction, recorded as committed by its
 * coordinator, has no marker in any of its partitions (a dedup changelog, a canonical topic and the
 * consumer offsets). Without help the changelog's restoration waits for that transaction's end
 * forever and the streams app never runs. The streams app has started again since (its coordinator
 * now shows its producer Empty at a later epoch), so what the coordinator decided is no longer known
 * and, with every producer of it started afresh, aborting rolls the transaction back whole. Started on
 * that directory, the broker aborts it before any client can reach it.
 */
class HangingTransactionIT {

    private static final List<TopicPartition> LEFT_OPEN = List.of(
            new TopicPartition("iot-streams-dedup-seen-changelog", 0), new TopicPartition("iot.canonical.position", 0));

    @TempDir
    Path dir;

    @Test
    void aTransactionLeftWithoutMarkersIsAbortedWhenTheBrokerStartsSoReadCommittedReadersPassIt() throws Exception {
        unzip("/broker-states/hanging-transaction.zip", dir);
        KraftBroker.Settings settings = KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"));
        try (KraftBroker broker = new KraftBroker(settings).start(Duration.ofSeconds(120));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // The transaction's only record sits at offset 0 of each partition; its end (the abort marker) follows it.
            assertThat(consumer.endOffsets(LEFT_OPEN)).as("last stable offsets").containsOnly(
                    Map.entry(LEFT_OPEN.get(0), 2L), Map.entry(LEFT_OPEN.get(1), 2L));
            consumer.assign(LEFT_OPEN);
            consumer.seekToBeginning(LEFT_OPEN);
            assertThat(consumer.poll(Duration.ofSeconds(2)).isEmpty()).as("the aborted records are not delivered").isTrue();
            assertThat(consumer.position(LEFT_OPEN.get(0))).isEqualTo(2L);
        }
        // A second start finds nothing left to abort.
        try (KraftBroker broker = new KraftBroker(settings).start(Duration.ofSeconds(120));
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
            assertThat(HangingTransactions.find(admin, Duration.ofSeconds(10))).isEmpty();
        }
    }

    /**
     * The commit path on the real broker: the records of a transaction the coordinator has not ended
     * yet become visible to read_committed readers once the marker the coordinator records for a
     * commit (its epoch, bumped under transactions v2) is written the way a hanging one's is.
     */
    @Test
    void theCommitMarkerWrittenForAHangingTransactionIsTheOneTheBrokerTakesFromItsCoordinator() throws Exception {
        TopicPartition partition = new TopicPartition("hanging-commit", 0);
        KraftBroker.Settings settings = KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"));
        try (KraftBroker broker = new KraftBroker(settings).start(Duration.ofSeconds(120));
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     broker.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, "hanging-commit"),
                     new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            admin.createTopics(List.of(new NewTopic(partition.topic(), 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(partition.topic(), "reading".getBytes(StandardCharsets.UTF_8))).get();
            ProducerState open = admin.describeProducers(List.of(partition)).partitionResult(partition).get().activeProducers().get(0);
            assertThat(consumer.endOffsets(List.of(partition))).as("an open transaction holds readers back")
                    .containsEntry(partition, 0L);

            TransactionDescription committed = new TransactionDescription(1, TransactionState.COMPLETE_COMMIT, open.producerId(),
                    open.producerEpoch() + 1, 60_000, OptionalLong.empty(), Set.of());
            assertThat(HangingTransactions.writeMarker(new InetSocketAddress("127.0.0.1", settings.port()), HangingTransactions.marker(
                    new HangingTransactions.Open(partition, open, Optional.of(committed)), TransactionResult.COMMIT)))
                    .isEqualTo(Errors.NONE);

            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<byte[], byte[]>> delivered = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (delivered.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(delivered::add);
            }
            assertThat(delivered).as("the committed record is delivered").extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("reading");
        }
    }

    private static void unzip(String resource, Path target) throws IOException {
        try (InputStream in = HangingTransactionIT.class.getResourceAsStream(resource); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                Path path = target.resolve(entry.getName()).normalize();
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else {
                    Files.createDirectories(path.getParent());
                    Files.copy(zip, path);
                }
            }
        }
    }
}
