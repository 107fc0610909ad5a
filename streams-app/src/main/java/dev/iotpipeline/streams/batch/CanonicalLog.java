package dev.iotpipeline.streams.batch;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The canonical topic read again over an offset range: the records of the batch that was open
 * when its task stopped (crash, restart, rebalance, aborted transaction). The canonical topic is
 * the batch buffer; only the open batch's bookkeeping ({@link OpenBatch}) is kept in a state store.
 */
public interface CanonicalLog {

    /**
     * The committed records of {@code topic}-{@code partition} with {@code fromOffset <= offset <= toOffset},
     * in offset order (read_committed: transaction markers and aborted records are not records).
     *
     * @throws IllegalStateException if retention already deleted part of the range
     */
    List<ConsumerRecord<byte[], byte[]>> read(String topic, int partition, long fromOffset, long toOffset);
}
