package dev.iotpipeline.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    static final String TOPIC = "iot.batch.env_reading";

    private final SinkRecord record = new SinkRecord(TOPIC, 1, null, "k", null, new byte[] {0, 0, 0, 0, 1}, 42, 7L,
            TimestampType.CREATE_TIME, new ConnectHeaders().addString("trace", "t-1"));

    @Test
    void aRefusedReadingIsItsOwnDeadLetterWithTheReadingAndWhereItCameFrom() {
        Batch batch = TestBatches.decodedEnv(TestBatches.env("d-1", "m1", TestBatches.T0, 21.5), TestBatches.env("d-2", "m\u00002", TestBatches.T0, 21.5));
        FakeSinkContext context = new FakeSinkContext(true);

        new DeadLetters(context, "lake-sink").rejectRows(record, batch, RowCheck.admit(batch).refused());

        SinkRecord letter = context.deadLetterRecords.get(0);
        assertThat(context.deadLetterRecords).hasSize(1);
        assertThat(new String((byte[]) letter.value(), StandardCharsets.UTF_8))
                .startsWith("{\"device_id\":\"d-2\",\"event_time\":1763933600250,")
                .contains("\"message_id\":\"m\\u00002\"");
        assertThat(letter.topic()).isEqualTo(TOPIC);
        assertThat(letter.kafkaPartition()).isEqualTo(1);
        assertThat(letter.kafkaOffset()).isEqualTo(42);
        assertThat(header(letter, "trace")).isEqualTo("t-1");
        assertThat(header(letter, DeadLetterHeaders.BATCH_ID)).isEqualTo("env_reading-0-0-1");
        assertThat(header(letter, DeadLetterHeaders.ROW_POSITION)).isEqualTo("1");
        assertThat(header(letter, DeadLetterHeaders.DEVICE_ID)).isEqualTo("d-2");
        assertThat(header(letter, DeadLetterHeaders.MESSAGE_ID)).isEqualTo("m\u00002");
        assertThat(header(letter, DeadLetterHeaders.REASON)).isEqualTo("control-character:message_id");
        assertThat(header(letter, DeadLetterHeaders.STAGE)).isEqualTo("lake-sink");
        assertThat(context.deadLetters.get(0)).isEqualTo("42: Reading 1 (device d-2, message m\\u00002) of batch "
                + "env_reading-0-0-1 refused (control-character:message_id): message_id contains the control character "
                + "U+0000 at index 1");
    }

    @Test
    void withoutADeadLetterTopicARefusedReadingFailsTheTaskNamingIt() {
        Batch batch = TestBatches.decodedEnv(TestBatches.env("d-1", "x".repeat(200), TestBatches.T0, 21.5));
        DeadLetters deadLetters = new DeadLetters(new FakeSinkContext(false), "warehouse-sink");
        List<RefusedRow> refused = RowCheck.admit(batch).refused();
        assertThatThrownBy(() -> deadLetters.rejectRows(record, batch, refused)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("Reading 0 (device d-1, message xxxxxxxx")
                .hasMessageContaining("(200 characters)")
                .hasMessageContaining(TOPIC + "-1@42");
    }

    private static String header(SinkRecord record, String key) {
        return (String) record.headers().lastWithName(key).value();
    }
}
