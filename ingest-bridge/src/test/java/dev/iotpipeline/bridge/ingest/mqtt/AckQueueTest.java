package dev.iotpipeline.bridge.ingest.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AckQueueTest {

    @Test
    void acknowledgementsLeaveInArrivalOrderWhateverOrderKafkaAnswersIn() {
        AckQueue queue = new AckQueue();
        List<String> out = new ArrayList<>();
        Object first = queue.add(1);
        Object second = queue.add(2);
        Object third = queue.add(3);
        queue.complete(third, null, (id, error) -> out.add(id + ":" + (error == null ? "ok" : "fail")));
        queue.complete(second, new RuntimeException("down"), (id, error) -> out.add(id + ":" + (error == null ? "ok" : "fail")));
        assertThat(out).as("nothing overtakes the first publish").isEmpty();
        queue.complete(first, null, (id, error) -> out.add(id + ":" + (error == null ? "ok" : "fail")));
        assertThat(out).containsExactly("1:ok", "2:fail", "3:ok");
        assertThat(queue.size()).isZero();
    }
}
