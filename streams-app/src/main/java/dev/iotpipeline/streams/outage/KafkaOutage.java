package dev.iotpipeline.streams.outage;

import java.util.List;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnknownProducerIdException;

/**
 * Tells a stream thread's failure that Kafka itself caused (a broker crashed, restarted or failed
 * over, and the thread's transaction could not be committed) from one a record caused. Such a
 * thread is replaced, not the instance stopped: the new thread's producer aborts the open
 * transaction and processing resumes from the last committed offsets, so exactly-once holds and
 * nothing is dead-lettered. A record's own failures never get here: they are dead letters.
 */
public final class KafkaOutage {

    private static final List<Class<? extends Exception>> TRANSACTION_LOST = List.of(InvalidTxnStateException.class,
            InvalidProducerEpochException.class, ProducerFencedException.class, TransactionAbortedException.class,
            InvalidPidMappingException.class, UnknownProducerIdException.class, OutOfOrderSequenceException.class);

    private KafkaOutage() {
    }

    /** Whether {@code error}, or any cause of it, is a Kafka availability or lost-transaction error. */
    public static boolean isCauseOf(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RetriableException) {
                return true;
            }
            for (Class<? extends Exception> type : TRANSACTION_LOST) {
                if (type.isInstance(cause)) {
                    return true;
                }
            }
        }
        return false;
    }
}
