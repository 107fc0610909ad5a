package dev.iotpipeline.bridge.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The bridge's metrics, scraped at {@code /metrics} on the management listener (Prometheus names
 * {@code iot_bridge_*}): connections (open, and MQTT ones not yet authenticated), messages and
 * connections accepted and refused by reason, acknowledgement latency, Kafka errors,
 * authentication and authorisation refusals, and payload bytes waiting for Kafka.
 */
public final class BridgeMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();
    // Meters by their tags, found without building a meter id per message (the registry's own lookup allocates one each time).
    private final Map<String, Map<String, Counter>> accepted = new ConcurrentHashMap<>();
    private final Map<String, Timer> ackLatency = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> refused = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> securityRefusals = new ConcurrentHashMap<>();

    public BridgeMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("iot.bridge.mqtt.connections", connections, AtomicInteger::get)
                .description("Open MQTT connections (TCP, TLS and WebSocket)").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public AtomicInteger connections() {
        return connections;
    }

    /** MQTT connections accepted and not yet authenticated (all MQTT listeners). */
    public void pendingConnections(AtomicInteger pending) {
        Gauge.builder("iot.bridge.mqtt.pending.connections", pending, AtomicInteger::get)
                .description("MQTT connections accepted and not yet authenticated").register(registry);
    }

    /** Open HTTP(S) connections, MQTT over WebSocket included. */
    public void httpConnections(AtomicInteger open) {
        Gauge.builder("iot.bridge.http.connections", open, AtomicInteger::get)
                .description("Open HTTP and HTTPS connections (MQTT over WebSocket included)").register(registry);
    }

    /** Reports the bytes currently waiting for Kafka, read when scraped. */
    public void inflightBytes(Supplier<Number> bytes) {
        Gauge.builder("iot.bridge.inflight.bytes", bytes).description("Payload bytes sent to Kafka and not yet acknowledged by it")
                .baseUnit("bytes").register(registry);
    }

    /** A message Kafka acknowledged, by protocol and device type, with the time from receipt to acknowledgement. */
    public void accepted(String protocol, String deviceType, long receivedNanos) {
        Counter count = cached(accepted, protocol, deviceType);
        if (count == null) {
            count = remember(accepted, protocol, deviceType, Counter.builder("iot.bridge.messages.accepted")
                    .description("Messages written to Kafka and acknowledged").tag("protocol", protocol).tag("device_type", deviceType)
                    .register(registry));
        }
        count.increment();
        Timer latency = ackLatency.get(protocol);
        if (latency == null) {
            latency = ackLatency.computeIfAbsent(protocol, p -> Timer.builder("iot.bridge.ack.latency")
                    .description("From receipt of a message to its acknowledgement (after the Kafka ack)").tag("protocol", p)
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry));
        }
        latency.record(System.nanoTime() - receivedNanos, TimeUnit.NANOSECONDS);
    }

    /** A message or connection refused, by reason (e.g. not-authorized, unmatched-topic, kafka-unavailable). */
    public void refused(String protocol, String reason) {
        Counter count = cached(refused, protocol, reason);
        if (count == null) {
            count = remember(refused, protocol, reason, Counter.builder("iot.bridge.messages.refused")
                    .description("Messages or connections refused, by reason").tag("protocol", protocol).tag("reason", reason)
                    .register(registry));
        }
        count.increment();
    }

    /** A send Kafka failed, by the error's class. */
    public void kafkaError(Throwable error) {
        Counter.builder("iot.bridge.kafka.errors").description("Sends Kafka failed; the device was told to retry")
                .tag("error", error.getClass().getSimpleName()).register(registry).increment();
    }

    /** An authentication (who) or authorisation (what) refusal. */
    public void securityRefusal(String protocol, String kind) {
        Counter count = cached(securityRefusals, protocol, kind);
        if (count == null) {
            count = remember(securityRefusals, protocol, kind, Counter.builder("iot.bridge.security.refusals")
                    .description("Authentication and authorisation refusals").tag("protocol", protocol).tag("kind", kind)
                    .register(registry));
        }
        count.increment();
    }

    /** The counter already registered for {@code protocol} and {@code tag}, or null. */
    private static Counter cached(Map<String, Map<String, Counter>> byProtocol, String protocol, String tag) {
        Map<String, Counter> counters = byProtocol.get(protocol);
        return counters == null ? null : counters.get(tag);
    }

    /** Keeps a just registered counter (registering it twice gives the same counter). */
    private static Counter remember(Map<String, Map<String, Counter>> byProtocol, String protocol, String tag, Counter counter) {
        byProtocol.computeIfAbsent(protocol, p -> new ConcurrentHashMap<>()).putIfAbsent(tag, counter);
        return counter;
    }
}
