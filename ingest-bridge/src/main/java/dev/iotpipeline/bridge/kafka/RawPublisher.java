package dev.iotpipeline.bridge.kafka;

import dev.iotpipeline.bridge.routing.Route;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes device messages to their raw topics with an idempotent, acks=all producer. The returned
 * future completes only when Kafka has the record: that is when a device may be acknowledged.
 */
public final class RawPublisher implements AutoCloseable {

    /** What the bridge knows about one received message, written as headers. */
    public record Received(Route route, String protocol, String mqttTopic, Integer qos, String clientId,
                           long receiveTime, String contentType, Map<String, String> userProperties) {
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final String instance;
    private final AtomicLong lastFailure = new AtomicLong();
    private final AtomicLong lastSuccess = new AtomicLong();

    public RawPublisher(Map<String, Object> producerConfig, String instance) {
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.instance = instance;
    }

    public CompletableFuture<RecordMetadata> publish(Received message, byte[] payload) {
        RecordHeaders headers = new RecordHeaders();
        Route route = message.route();
        add(headers, TelemetryHeaders.DEVICE_ID, route.deviceId());
        add(headers, TelemetryHeaders.DEVICE_TYPE, route.deviceType());
        add(headers, TelemetryHeaders.FORMAT_VERSION, route.version());
        add(headers, TelemetryHeaders.PROTOCOL, message.protocol());
        add(headers, TelemetryHeaders.MQTT_TOPIC, message.mqttTopic());
        if (message.qos() != null) {
            add(headers, TelemetryHeaders.MQTT_QOS, message.qos().toString());
        }
        if (message.clientId() != null) {
            add(headers, TelemetryHeaders.CLIENT_ID, message.clientId());
        }
        add(headers, TelemetryHeaders.RECEIVE_TIME, Long.toString(message.receiveTime()));
        add(headers, TelemetryHeaders.BRIDGE_INSTANCE, instance);
        if (message.contentType() != null) {
            add(headers, TelemetryHeaders.CONTENT_TYPE, message.contentType());
        }
        message.userProperties().forEach((name, value) -> add(headers, TelemetryHeaders.USER_PROPERTY_PREFIX + name, value));
        CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(route.kafkaTopic(), null, message.receiveTime(),
                    route.deviceId().getBytes(StandardCharsets.UTF_8), payload, headers), (metadata, error) -> {
                        if (error == null) {
                            lastSuccess.set(System.currentTimeMillis());
                            acked.complete(metadata);
                        } else {
                            lastFailure.set(System.currentTimeMillis());
                            acked.completeExceptionally(error);
                        }
                    });
        } catch (RuntimeException e) {
            lastFailure.set(System.currentTimeMillis());
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /** Kafka is taking records: the last send succeeded after the last failure (or nothing failed yet). */
    public boolean healthy() {
        return lastFailure.get() == 0 || lastSuccess.get() > lastFailure.get();
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
