package dev.iotpipeline.bridge.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** Delivery's metrics: {@code iot_bridge_commands_delivered_total}, {@code _expired_total}, {@code _queued}, shadow deltas. */
final class DeliveryMetrics {

    private final Counter delivered;
    private final Counter expired;
    private final Counter deltas;
    private final AtomicInteger queued = new AtomicInteger();

    DeliveryMetrics(MeterRegistry meters) {
        this.delivered = Counter.builder("iot.bridge.commands.delivered").description("Commands delivered to devices")
                .register(meters);
        this.expired = Counter.builder("iot.bridge.commands.expired").description("Device commands that expired undelivered")
                .register(meters);
        this.deltas = Counter.builder("iot.bridge.shadow.deltas").description("Shadow deltas sent to devices").register(meters);
        Gauge.builder("iot.bridge.commands.queued", queued, AtomicInteger::get)
                .description("Deliveries waiting for their turn under the rate limit").register(meters);
    }

    void delivered() {
        delivered.increment();
    }

    void expired() {
        expired.increment();
    }

    void delta() {
        deltas.increment();
    }

    void queued(int waiting) {
        queued.set(waiting);
    }
}
