package dev.iotpipeline.streams.outage;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class KafkaOutageTest {

    @Test
    void aTransactionLostToABrokerCrashIsKafkasFault() {
        // What a stream thread died of when the broker was SIGKILLed and restarted under load (FaultInjectionIT).
        StreamsException commitFailed = new StreamsException("Error encountered trying to commit a transaction",
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));
        assertThat(KafkaOutage.isCauseOf(commitFailed)).isTrue();
        assertThat(KafkaOutage.isCauseOf(new StreamsException(new TimeoutException("metadata")))).isTrue();
    }

    @Test
    void aRecordsOwnFailureIsNot() {
        assertThat(KafkaOutage.isCauseOf(new StreamsException(new NullPointerException("bug")))).isFalse();
        assertThat(KafkaOutage.isCauseOf(new StreamsException(new RecordTooLargeException("too big")))).isFalse();
        assertThat(KafkaOutage.isCauseOf(new IllegalStateException())).isFalse();
    }
}
