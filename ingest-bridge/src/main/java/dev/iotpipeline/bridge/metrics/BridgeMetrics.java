package dev.iotpipeline.bridge.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The bridge's metrics (Prometheus names {@code iot_bridge_*}). */
public final class BridgeMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();

    public BridgeMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("iot.bridge.mqtt.connections", connections);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public AtomicInteger connections() {
        return connections;
    }

    /** A message Kafka acknowledged, by protocol and device type. */
    public void accepted(String protocol, String deviceType) {
        Counter.builder("iot.bridge.messages.accepted").description("Messages written to Kafka and acknowledged")
                .tag("protocol", protocol).tag("device_type", deviceType).register(registry).increment();
    }

    /** A message or connection refused, by reason (e.g. not-authorized, unmatched-topic, kafka-unavailable). */
    public void refused(String protocol, String reason) {
        Counter.builder("iot.bridge.messages.refused").description("Messages or connections refused")
                .tag("protocol", protocol).tag("reason", reason).register(registry).increment();
    }
}
