package dev.iotpipeline.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and aborts hanging transactions on a broker that was just started and that nothing writes
 * to yet: a partition holding records of a transaction that its coordinator no longer tracks, so no
 * commit or abort marker will ever come. Every {@code read_committed} reader stops at such a record
 * for good (a Kafka Streams instance restoring that changelog never becomes RUNNING; the sinks never
 * see the batches behind it).
 *
 * <p>A single node killed at the wrong moment leaves them: a transaction in PrepareCommit when the
 * process died is completed by the coordinator while the restarted node loads, and markers it cannot
 * route then are skipped as if the partitions had been deleted. All partitions of that transaction
 * are on this node, so they are all left without markers; aborting each of them (KIP-664, what
 * {@code kafka-transactions.sh find-hanging} and {@code abort} do) rolls the whole transaction back
 * consistently, its input offsets included, and its producer (the streams app) redoes the work.
 */
final class HangingTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    private static final Set<TransactionState> IN_PROGRESS = EnumSet.of(TransactionState.ONGOING,
            TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE);
    private static final Set<TransactionState> COMPLETING = EnumSet.of(TransactionState.PREPARE_COMMIT,
            TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE);

    /** One partition's open transaction. */
    record Open(TopicPartition partition, ProducerState producer) {
        @Override
        public String toString() {
            return partition + " (producer " + producer.producerId() + " epoch " + producer.producerEpoch() + ", since offset "
                    + producer.currentTransactionStartOffset().orElse(-1) + ")";
        }
    }

    private HangingTransactions() {
    }

    /**
     * Aborts every hanging transaction, after waiting (up to {@code settle}) for the coordinator to
     * finish the transactions it was completing when the node started.
     *
     * @return what was aborted
     */
    static List<Open> abortAll(Admin admin, Duration settle) {
        try {
            List<Open> hanging = find(admin, settle);
            for (Open open : hanging) {
                LOG.warn("Aborting a hanging transaction on {}: its coordinator no longer tracks it, so read_committed "
                        + "readers would wait for its end forever; its producer redoes the work", open);
                admin.abortTransaction(new AbortTransactionSpec(open.partition(), open.producer().producerId(),
                        (short) open.producer().producerEpoch(), open.producer().coordinatorEpoch().orElse(0)))
                        .all().get(60, TimeUnit.SECONDS);
            }
            return hanging;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot check the broker for hanging transactions: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking for hanging transactions", e);
        }
    }

    /** The open transactions on the broker's partitions that no coordinator will ever end. */
    static List<Open> find(Admin admin, Duration settle) throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + settle.toNanos();
        while (true) {
            List<Open> open = openTransactions(admin);
            if (open.isEmpty()) {
                return List.of();
            }
            Map<Long, List<TransactionDescription>> byProducer = coordinatorView(admin,
                    open.stream().map(o -> o.producer().producerId()).collect(Collectors.toSet()));
            boolean completing = byProducer.values().stream().flatMap(List::stream).anyMatch(t -> COMPLETING.contains(t.state()));
            if (completing && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // markers on their way
                continue;
            }
            List<Open> hanging = new ArrayList<>();
            for (Open candidate : open) {
                boolean tracked = byProducer.getOrDefault(candidate.producer().producerId(), List.of()).stream()
                        .anyMatch(t -> IN_PROGRESS.contains(t.state()) && t.topicPartitions().contains(candidate.partition()));
                if (!tracked) {
                    hanging.add(candidate);
                }
            }
            return hanging;
        }
    }

    private static List<Open> openTransactions(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(60, TimeUnit.SECONDS);
        if (topics.isEmpty()) {
            return List.of();
        }
        List<TopicPartition> partitions = new ArrayList<>();
        admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS).forEach((topic, description) -> {
            for (TopicPartitionInfo partition : description.partitions()) {
                partitions.add(new TopicPartition(topic, partition.partition()));
            }
        });
        Map<TopicPartition, PartitionProducerState> states = admin.describeProducers(partitions).all().get(60, TimeUnit.SECONDS);
        List<Open> open = new ArrayList<>();
        states.forEach((partition, state) -> state.activeProducers().stream()
                .filter(producer -> producer.currentTransactionStartOffset().isPresent())
                .forEach(producer -> open.add(new Open(partition, producer))));
        return open;
    }

    /** What the coordinators say of the transactions of these producers, by producer id. */
    private static Map<Long, List<TransactionDescription>> coordinatorView(Admin admin, Collection<Long> producerIds)
            throws ExecutionException, InterruptedException, TimeoutException {
        Collection<TransactionListing> listings = admin.listTransactions(new ListTransactionsOptions()
                .filterProducerIds(producerIds)).all().get(60, TimeUnit.SECONDS);
        Map<Long, List<TransactionDescription>> byProducer = new HashMap<>();
        if (listings.isEmpty()) {
            return byProducer;
        }
        Map<String, TransactionDescription> descriptions = admin.describeTransactions(listings.stream()
                .map(TransactionListing::transactionalId).toList()).all().get(60, TimeUnit.SECONDS);
        descriptions.values().forEach(d -> byProducer.computeIfAbsent(d.producerId(), id -> new ArrayList<>()).add(d));
        return byProducer;
    }
}
