package dev.iotpipeline.bridge.ingest.kafka;

import dev.iotpipeline.bridge.ingest.routing.Route;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes device messages to Kafka (telemetry to its raw topic, see {@link #publish}) with an
 * idempotent, acks=all producer. The returned
 * future completes only when Kafka has the record: that is when a device may be acknowledged.
 */
public final class RawPublisher implements AutoCloseable {

    /** What the bridge knows about one received message, written as headers. */
    public record Received(Route route, String protocol, String mqttTopic, Integer qos, String clientId,
                           long receiveTime, String contentType, List<Map.Entry<String, String>> userProperties) {
    }

    /** The bridge already has {@code max.inflight.bytes} waiting for Kafka: the message was not sent. */
    public static final class OverBudgetException extends RuntimeException {
        OverBudgetException(long maxBytes) {
            super("more than " + maxBytes + " payload bytes are waiting for Kafka");
        }
    }

    /** The device sent more than {@code max.messages.per.second.per.device}: the message was not sent. */
    public static final class RateLimitedException extends RuntimeException {
        RateLimitedException(String deviceId) {
            super("device " + deviceId + " is over its message rate");
        }
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final String instance;
    private final InflightBudget budget;
    private final DeviceRateLimiter rates;
    /** One thread calls send(), in the order messages arrived, so each connection's records keep their order. */
    private final ExecutorService sender;
    /** Sender thread only: topics whose metadata Kafka could not give, until when sends to them fail at once. */
    private final Map<String, Long> unavailableUntil = new HashMap<>();
    private static final long FAIL_FAST_NANOS = TimeUnit.SECONDS.toNanos(1);

    public RawPublisher(Map<String, Object> producerConfig, String instance, InflightBudget budget, DeviceRateLimiter rates) {
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.instance = instance;
        this.budget = budget;
        this.rates = rates;
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "kafka-sender");
            thread.setDaemon(true);
            return thread;
        });
    }

    public InflightBudget budget() {
        return budget;
    }

    /**
     * Sends a message; the future completes when Kafka has it, or fails with Kafka's error, or at
     * once with {@link OverBudgetException} when too many bytes are already waiting for Kafka or
     * {@link RateLimitedException} when the device is over its rate.
     */
    public CompletableFuture<RecordMetadata> publish(Received message, byte[] payload) {
        if (!rates.tryAcquire(message.route().deviceId())) {
            return CompletableFuture.failedFuture(new RateLimitedException(message.route().deviceId()));
        }
        if (!budget.tryAcquire(payload.length)) {
            return CompletableFuture.failedFuture(new OverBudgetException(budget.maxBytes()));
        }
        return submit(TelemetryRecords.record(message, payload, instance), payload.length);
    }

    /**
     * Sends a device's record that is not raw telemetry (its reported shadow state, see
     * {@link ShadowReports}) with the same durability, ordering and in-flight budget.
     */
    public CompletableFuture<RecordMetadata> publishRecord(String topic, String key, byte[] value) {
        if (!budget.tryAcquire(value.length)) {
            return CompletableFuture.failedFuture(new OverBudgetException(budget.maxBytes()));
        }
        return submit(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value), value.length);
    }

    /** Hands a record whose bytes are taken from the budget to the sender thread. */
    private CompletableFuture<RecordMetadata> submit(ProducerRecord<byte[], byte[]> record, int size) {
        CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
        try {
            sender.execute(() -> send(record, size, acked));
        } catch (RejectedExecutionException e) {
            budget.release(size);
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /** On the sender thread: send() blocks while the topic's metadata is unknown, which must not stall an event loop. */
    private void send(ProducerRecord<byte[], byte[]> record, int size, CompletableFuture<RecordMetadata> acked) {
        Long blocked = unavailableUntil.get(record.topic());
        if (blocked != null && System.nanoTime() < blocked) {
            // Kafka just failed to give this topic's metadata: fail fast instead of blocking every queued message in turn.
            budget.release(size);
            acked.completeExceptionally(new TimeoutException("Kafka metadata for " + record.topic() + " is unavailable"));
            return;
        }
        try {
            producer.send(record, (metadata, error) -> {
                        budget.release(size);
                        if (error == null) {
                            acked.complete(metadata);
                        } else {
                            acked.completeExceptionally(error);
                        }
                    });
        } catch (RuntimeException e) {
            // send() threw before taking the record (e.g. metadata not available within max.block.ms).
            if (e instanceof TimeoutException) {
                unavailableUntil.put(record.topic(), System.nanoTime() + FAIL_FAST_NANOS);
            }
            budget.release(size);
            acked.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
