package dev.iotpipeline.embedded;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
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
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest.TxnMarkerEntry;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and ends hanging transactions on a node that was just started and that no client can reach
 * yet: a partition holding records of a transaction whose coordinator no longer tracks it, so no
 * commit or abort marker will ever come. Every {@code read_committed} reader stops at such a record
 * for good (a Kafka Streams instance restoring that changelog never becomes RUNNING; the sinks never
 * see the batches behind it).
 *
 * <p>A single node killed at the wrong moment leaves them: a transaction in PrepareCommit when the
 * process died is completed by the coordinator while the restarted node loads, and markers it cannot
 * route then (its own listener is not open yet) are skipped as if the partitions had been deleted.
 * The coordinator has recorded the outcome, and its producer was told so: a transaction recorded as
 * committed gets the commit markers it missed, exactly as the coordinator would have written them,
 * so its records and its input offsets stand and a producer that stayed up (a Kafka Streams instance
 * that only saw the broker go away) goes on from where it was. Aborting it instead would roll back
 * output and offsets that the running instance already counts as done: lost readings. Any other
 * hanging transaction (recorded as aborted, or unknown to the coordinator) is aborted (KIP-664, what
 * {@code kafka-transactions.sh abort} does).
 */
final class HangingTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    private static final Set<TransactionState> IN_PROGRESS = EnumSet.of(TransactionState.ONGOING,
            TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE);
    private static final Set<TransactionState> COMPLETING = EnumSet.of(TransactionState.PREPARE_COMMIT,
            TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE);
    /** A WriteTxnMarkers response for one marker is a few dozen bytes; anything near this is not one. */
    private static final int MAX_RESPONSE_BYTES = 1 << 20;
    /** Transactions version 2 (KIP-890): the coordinator ends a transaction with the producer epoch bumped. */
    private static final short TRANSACTIONS_V2 = 2;

    /** One partition's open transaction, and what its coordinator recorded of it. */
    record Open(TopicPartition partition, ProducerState producer, Optional<TransactionDescription> coordinator) {

        /** The coordinator recorded this very transaction as committed (same producer; same epoch, or the next one under v2). */
        boolean committed() {
            return coordinator.filter(t -> t.state() == TransactionState.COMPLETE_COMMIT)
                    .filter(t -> t.producerEpoch() == producer.producerEpoch() || t.producerEpoch() == producer.producerEpoch() + 1)
                    .isPresent();
        }

        @Override
        public String toString() {
            return partition + " (producer " + producer.producerId() + " epoch " + producer.producerEpoch() + ", since offset "
                    + producer.currentTransactionStartOffset().orElse(-1) + ", coordinator: "
                    + coordinator.map(t -> t.state() + " at epoch " + t.producerEpoch()).orElse("unknown") + ")";
        }
    }

    private HangingTransactions() {
    }

    /**
     * Ends every hanging transaction as its coordinator decided, after waiting (up to {@code settle})
     * for the coordinator to finish the transactions it was completing when the node started.
     *
     * @param admin a client of the node, on a listener no other client knows
     * @param listener that listener's address, for the markers
     * @return what was ended
     */
    static List<Open> endAll(Admin admin, InetSocketAddress listener, Duration settle) {
        try {
            List<Open> hanging = find(admin, settle);
            for (Open open : hanging) {
                TransactionResult result = open.committed() ? TransactionResult.COMMIT : TransactionResult.ABORT;
                LOG.warn("Ending a hanging transaction on {} with {}: its coordinator no longer tracks it, so read_committed "
                        + "readers would wait for its end forever", open, result);
                writeMarkerRetrying(listener, marker(open, result), settle);
            }
            return hanging;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot check the broker for hanging transactions: " + e, e);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot end a hanging transaction on " + listener + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking for hanging transactions", e);
        }
    }

    /**
     * The marker the coordinator would have written: a commit carries the epoch the coordinator
     * recorded (bumped under transactions v2), an abort the epoch of the records it ends.
     */
    static TxnMarkerEntry marker(Open open, TransactionResult result) {
        short epoch = (short) open.producer().producerEpoch();
        short version = 0;
        if (result == TransactionResult.COMMIT && open.coordinator().orElseThrow().producerEpoch() == epoch + 1) {
            epoch = (short) (epoch + 1);
            version = TRANSACTIONS_V2;
        }
        return new TxnMarkerEntry(open.producer().producerId(), epoch, open.producer().coordinatorEpoch().orElse(0), result,
                List.of(open.partition()), version);
    }

    /**
     * The open transactions on the node's partitions that no coordinator will ever end, once the
     * coordinator's view is {@link #settled} (or {@code settle} has passed: then a producer it still
     * does not know is taken as unknown, and its transaction is aborted).
     */
    static List<Open> find(Admin admin, Duration settle) throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + settle.toNanos();
        while (true) {
            List<Open> open;
            try {
                open = openTransactions(admin);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // a node just started: not leading everything yet
                continue;
            }
            if (open.isEmpty()) {
                return List.of();
            }
            Map<Long, TransactionDescription> byProducer = coordinatorView(admin,
                    open.stream().map(o -> o.producer().producerId()).collect(Collectors.toSet()));
            if (!settled(open, byProducer) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                continue;
            }
            return hanging(open, byProducer);
        }
    }

    /**
     * Whether the coordinator's view can be trusted yet: no transaction of these producers is being
     * completed (its markers are on their way), and the coordinator knows every one of them. Right
     * after a start it lists nothing for a transaction log partition it has not begun to load (no
     * error, an empty list), and a transaction it recorded as committed would be taken for unknown
     * and aborted.
     */
    static boolean settled(List<Open> open, Map<Long, TransactionDescription> byProducer) {
        boolean completing = byProducer.values().stream().anyMatch(t -> COMPLETING.contains(t.state()));
        boolean unknown = open.stream().anyMatch(o -> !byProducer.containsKey(o.producer().producerId()));
        return !completing && !unknown;
    }

    /** The open transactions the coordinator does not track as in progress on their partition, with what it says of their producer. */
    static List<Open> hanging(List<Open> open, Map<Long, TransactionDescription> byProducer) {
        List<Open> hanging = new ArrayList<>();
        for (Open candidate : open) {
            Optional<TransactionDescription> coordinator = Optional.ofNullable(byProducer.get(candidate.producer().producerId()));
            boolean tracked = coordinator.filter(t -> IN_PROGRESS.contains(t.state())
                    && t.topicPartitions().contains(candidate.partition())).isPresent();
            if (!tracked) {
                hanging.add(new Open(candidate.partition(), candidate.producer(), coordinator));
            }
        }
        return hanging;
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
                .forEach(producer -> open.add(new Open(partition, producer, Optional.empty()))));
        return open;
    }

    /** What the coordinators say of the transactions of these producers, by producer id. */
    private static Map<Long, TransactionDescription> coordinatorView(Admin admin, Collection<Long> producerIds)
            throws ExecutionException, InterruptedException, TimeoutException {
        Collection<TransactionListing> listings = admin.listTransactions(new ListTransactionsOptions()
                .filterProducerIds(producerIds)).all().get(60, TimeUnit.SECONDS);
        Map<Long, TransactionDescription> byProducer = new HashMap<>();
        if (listings.isEmpty()) {
            return byProducer;
        }
        Map<String, TransactionDescription> descriptions = admin.describeTransactions(listings.stream()
                .map(TransactionListing::transactionalId).toList()).all().get(60, TimeUnit.SECONDS);
        // A producer id belongs to one transactional id at a time.
        descriptions.values().forEach(d -> byProducer.put(d.producerId(), d));
        return byProducer;
    }

    /**
     * Writes the marker, again while the node answers with a retriable error: a node that has just
     * started may not lead all its partitions yet ({@code NOT_LEADER_OR_FOLLOWER}).
     */
    private static void writeMarkerRetrying(InetSocketAddress listener, TxnMarkerEntry marker, Duration patience)
            throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Errors error = writeMarker(listener, marker);
            if (error == Errors.NONE) {
                return;
            }
            if (!(error.exception() instanceof RetriableException) || System.nanoTime() > deadline) {
                throw new IOException("the " + marker.transactionResult() + " marker for " + marker.partitions() + " was refused: "
                        + error);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    /**
     * Sends one WriteTxnMarkers request, the request a coordinator sends to a partition's leader
     * (the admin client's abortTransaction sends it too, but only with an abort).
     *
     * @return the node's answer for the marker's partitions: NONE, or the first error
     */
    static Errors writeMarker(InetSocketAddress listener, TxnMarkerEntry marker) throws IOException {
        short version = ApiKeys.WRITE_TXN_MARKERS.latestVersion();
        RequestHeader header = new RequestHeader(ApiKeys.WRITE_TXN_MARKERS, version, "iot-pipeline-hanging-transactions", 1);
        ByteBuffer request = new WriteTxnMarkersRequest.Builder(List.of(marker)).build(version).serializeWithHeader(header);
        try (Socket socket = new Socket()) {
            socket.connect(listener, 10_000);
            socket.setSoTimeout(60_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int size = in.readInt();
            if (size < 0 || size > MAX_RESPONSE_BYTES) {
                throw new IOException("a WriteTxnMarkers response of " + size + " bytes from " + listener);
            }
            byte[] response = new byte[size];
            in.readFully(response);
            WriteTxnMarkersResponse parsed;
            try {
                parsed = (WriteTxnMarkersResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
            } catch (UnsupportedVersionException e) {
                throw new IOException("the broker does not take WriteTxnMarkers v" + version, e);
            }
            Map<TopicPartition, Errors> errors = parsed.errorsByProducerId().getOrDefault(marker.producerId(), Map.of());
            return marker.partitions().stream().map(p -> errors.getOrDefault(p, Errors.UNKNOWN_SERVER_ERROR))
                    .filter(e -> e != Errors.NONE).findFirst().orElse(Errors.NONE);
        }
    }
}
