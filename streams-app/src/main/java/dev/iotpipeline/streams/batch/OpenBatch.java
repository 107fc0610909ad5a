package dev.iotpipeline.streams.batch;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The bookkeeping of one source partition's batcher, kept in a state store so that it commits
 * with the output under exactly-once and survives restarts.
 *
 * @param nextSequence sequence number of the open (or next) batch; starts at 0, no gaps
 * @param count records in the open batch; 0 when no batch is open
 * @param bytes serialized record bytes in the open batch
 * @param firstOffset source offset of the open batch's first record
 * @param lastOffset source offset of the open batch's last record
 * @param minEventTime earliest event time in the open batch (epoch ms)
 * @param maxEventTime latest event time in the open batch (epoch ms)
 * @param openedTime wall-clock time the open batch received its first record (epoch ms)
 */
public record OpenBatch(long nextSequence, int count, long bytes, long firstOffset, long lastOffset,
                        long minEventTime, long maxEventTime, long openedTime) {

    private static final int VERSION = 1;
    private static final int SIZE = 1 + 8 + 4 + 8 + 8 + 8 + 8 + 8 + 8;

    public static OpenBatch initial() {
        return new OpenBatch(0, 0, 0, -1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 0);
    }

    public boolean isOpen() {
        return count > 0;
    }

    /** This state with one more record. */
    public OpenBatch with(long offset, long recordBytes, long eventTime, long now) {
        boolean first = !isOpen();
        return new OpenBatch(nextSequence, count + 1, bytes + recordBytes, first ? offset : firstOffset, offset,
                first ? eventTime : Math.min(minEventTime, eventTime), first ? eventTime : Math.max(maxEventTime, eventTime),
                first ? now : openedTime);
    }

    /** The state after the open batch was emitted. */
    public OpenBatch closed() {
        return new OpenBatch(nextSequence + 1, 0, 0, -1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 0);
    }

    public static Serde<OpenBatch> serde() {
        Serializer<OpenBatch> serializer = (topic, state) -> state == null ? null : ByteBuffer.allocate(SIZE)
                .put((byte) VERSION).putLong(state.nextSequence).putInt(state.count).putLong(state.bytes)
                .putLong(state.firstOffset).putLong(state.lastOffset).putLong(state.minEventTime)
                .putLong(state.maxEventTime).putLong(state.openedTime).array();
        Deserializer<OpenBatch> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int version = in.get();
            if (version != VERSION) {
                throw new IllegalStateException("Unknown batch state version " + version);
            }
            return new OpenBatch(in.getLong(), in.getInt(), in.getLong(), in.getLong(), in.getLong(), in.getLong(),
                    in.getLong(), in.getLong());
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
