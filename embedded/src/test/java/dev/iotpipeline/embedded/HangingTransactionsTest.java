package dev.iotpipeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.embedded.HangingTransactions.Open;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest.TxnMarkerEntry;
import org.junit.jupiter.api.Test;

/** How a hanging transaction is ended: as its coordinator recorded it, or aborted when that is not known. */
class HangingTransactionsTest {

    private static final TopicPartition PARTITION = new TopicPartition("iot.canonical.env_reading", 2);
    private static final ProducerState OPEN_AT_EPOCH_4 = new ProducerState(7, 4, 12, 0, OptionalInt.of(3), OptionalLong.of(100));

    @Test
    void aTransactionTheCoordinatorRecordedAsCommittedUnderTransactionsV2GetsTheCommitMarkerAtTheBumpedEpoch() {
        Open open = new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.of(coordinator(TransactionState.COMPLETE_COMMIT, 5)));

        assertThat(open.committed()).isTrue();
        TxnMarkerEntry marker = HangingTransactions.marker(open, TransactionResult.COMMIT);
        assertThat(marker.producerId()).isEqualTo(7);
        assertThat(marker.producerEpoch()).isEqualTo((short) 5);
        assertThat(marker.transactionVersion()).isEqualTo((short) 2);
        assertThat(marker.coordinatorEpoch()).isEqualTo(3);
        assertThat(marker.partitions()).containsExactly(PARTITION);
    }

    @Test
    void aTransactionTheCoordinatorRecordedAsCommittedAtItsOwnEpochGetsTheCommitMarkerAtThatEpoch() {
        Open open = new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.of(coordinator(TransactionState.COMPLETE_COMMIT, 4)));

        assertThat(open.committed()).isTrue();
        TxnMarkerEntry marker = HangingTransactions.marker(open, TransactionResult.COMMIT);
        assertThat(marker.producerEpoch()).isEqualTo((short) 4);
        assertThat(marker.transactionVersion()).isZero();
    }

    @Test
    void anAbortedUnknownOrSinceRestartedTransactionIsNotTakenForCommitted() {
        assertThat(new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.of(coordinator(TransactionState.COMPLETE_ABORT, 5))).committed())
                .as("recorded as aborted").isFalse();
        assertThat(new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.empty()).committed()).as("unknown to the coordinator").isFalse();
        assertThat(new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.of(coordinator(TransactionState.EMPTY, 7))).committed())
                .as("the producer started again since").isFalse();
        assertThat(new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.of(coordinator(TransactionState.COMPLETE_COMMIT, 7))).committed())
                .as("a later transaction of the same producer committed").isFalse();

        TxnMarkerEntry abort = HangingTransactions.marker(new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.empty()), TransactionResult.ABORT);
        assertThat(abort.transactionResult()).isEqualTo(TransactionResult.ABORT);
        assertThat(abort.producerEpoch()).as("the epoch of the records it ends").isEqualTo((short) 4);
    }

    /**
     * CI found it: right after a start the coordinator listed nothing for a producer whose
     * transaction it had recorded as committed (its log partition not loaded yet), and the
     * transaction was aborted as unknown. Until every producer is known, the view is not settled.
     */
    @Test
    void theCoordinatorsViewIsNotSettledWhileAProducerIsUnknownOrATransactionIsBeingCompleted() {
        Open open = new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.empty());

        assertThat(HangingTransactions.settled(List.of(open), Map.of())).as("the producer not listed yet").isFalse();
        assertThat(HangingTransactions.settled(List.of(open), Map.of(7L, coordinator(TransactionState.PREPARE_COMMIT, 4))))
                .as("its markers on their way").isFalse();
        assertThat(HangingTransactions.settled(List.of(open), Map.of(7L, coordinator(TransactionState.COMPLETE_COMMIT, 5)))).isTrue();
        assertThat(HangingTransactions.hanging(List.of(open), Map.of(7L, coordinator(TransactionState.COMPLETE_COMMIT, 5))))
                .singleElement().satisfies(hanging -> assertThat(hanging.committed()).isTrue());
    }

    @Test
    void aTransactionTheCoordinatorTracksOnItsPartitionIsNotHanging() {
        Open open = new Open(PARTITION, OPEN_AT_EPOCH_4, Optional.empty());
        TransactionDescription ongoing = new TransactionDescription(1, TransactionState.ONGOING, 7, 4, 10_000, OptionalLong.empty(),
                Set.of(PARTITION));

        assertThat(HangingTransactions.hanging(List.of(open), Map.of(7L, ongoing))).isEmpty();
    }

    private static TransactionDescription coordinator(TransactionState state, int epoch) {
        return new TransactionDescription(1, state, 7, epoch, 10_000, OptionalLong.empty(), Set.of());
    }
}
