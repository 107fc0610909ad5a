package dev.iotpipeline.bridge.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.bridge.link.DeviceLink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveryPacerTest {

    private final List<String> sent = new ArrayList<>();

    private final DeviceLink device = new DeviceLink() {
        @Override
        public String deviceId() {
            return "env-1";
        }

        @Override
        public String deviceType() {
            return "env-sensor";
        }

        @Override
        public int subscribedQos(String topic) {
            return 1;
        }

        @Override
        public void send(String topic, byte[] payload, int qos, Runnable delivered) {
            sent.add(topic);
        }
    };

    private DeliveryPacer.Delivery delivery(String key, String group, Integer groupRate) {
        return new DeliveryPacer.Delivery(key, group, groupRate, device, "t/" + key, new byte[0], 1, () -> { });
    }

    @Test
    void eachDeliveryIsQueuedOnceAndSentInOrderWithinTheCommandsOwnRate() {
        DeliveryPacer pacer = new DeliveryPacer(1000);
        for (int i = 0; i < 5; i++) {
            pacer.enqueue(delivery("slow-" + i, "slow", 1));
        }
        pacer.enqueue(delivery("a", null, null));
        pacer.enqueue(delivery("a", null, null));
        pacer.enqueue(delivery("b", null, null));
        assertThat(pacer.size()).isEqualTo(7);
        pacer.drain(d -> true);
        assertThat(sent).containsExactly("t/slow-0", "t/a", "t/b");
        assertThat(pacer.size()).as("the slow command's others wait their turn").isEqualTo(4);
    }

    @Test
    void unwantedDeliveriesAreDroppedWithoutUsingTheRate() {
        DeliveryPacer pacer = new DeliveryPacer(10); // one token to start with
        pacer.enqueue(delivery("expired", "old", null));
        pacer.enqueue(delivery("fresh", "new", null));
        pacer.drain(d -> !d.group().equals("old"));
        assertThat(sent).containsExactly("t/fresh");
        assertThat(pacer.size()).isZero();
    }
}
