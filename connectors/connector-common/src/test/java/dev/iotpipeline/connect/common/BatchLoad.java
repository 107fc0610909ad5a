package dev.iotpipeline.connect.common;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Load for fault tests: an env-reading batch every 100 ms (batch ids env_reading-9-..., consecutive offsets,
 * unique message ids, within one event hour), counted once Kafka has it.
 */
public final class BatchLoad implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final KafkaProducer<String, byte[]> producer;
    private final RestSchemaRegistryClient registry;
    private final String topic;
    private final int perBatch;
    private final AtomicInteger batches = new AtomicInteger();

    private BatchLoad(Map<String, Object> producerConfig, String registryUrl, String topic, int perBatch) {
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
        this.registry = RestSchemaRegistryClient.forUrl(registryUrl);
        this.topic = topic;
        this.perBatch = perBatch;
    }

    public static BatchLoad start(Map<String, Object> producerConfig, String registryUrl, String topic, int perBatch) {
        BatchLoad load = new BatchLoad(producerConfig, registryUrl, topic, perBatch);
        load.timer.scheduleAtFixedRate(load::sendBatch, 0, 100, TimeUnit.MILLISECONDS);
        return load;
    }

    private void sendBatch() {
        int b = batches.get();
        List<EnvReading> readings = new ArrayList<>();
        for (int r = 0; r < perBatch; r++) {
            readings.add(TestBatches.env("fault-" + (r % 7), "b" + b + "r" + r, TestBatches.T0.plusSeconds(b % 1000),
                    20.0 + r % 10));
        }
        byte[] value = TestBatches.wire(registry, topic, TestBatches.envBatch(9, (long) b * perBatch, readings));
        try {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            throw new IllegalStateException("the load stopped: " + e.getCause().getMessage(), e);
        }
        batches.incrementAndGet();
    }

    /** Batches Kafka has acknowledged so far. */
    public int batches() {
        return batches.get();
    }

    /** Stops the load after the batch in flight; {@link #batches} is final afterwards. */
    @Override
    public void close() throws InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(30, TimeUnit.SECONDS)) {
            timer.shutdownNow();
        }
        producer.close();
    }
}
