package dev.iotpipeline.bridge.delivery;

import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.DeliveryStatus;
import dev.iotpipeline.schemas.contract.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes delivery statuses ({@code DELIVERED}, {@code EXPIRED}) to {@code iot.command-status},
 * which every instance reads, so a device gets a command once across instances. Its own durable
 * producer: statuses are the delivery room's records, not device data. Sends run on their own
 * thread, so a Kafka without metadata never stalls the delivery loop. A status that cannot be
 * written is logged; at worst a device gets a command again on another instance.
 */
final class StatusWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);

    private final String instance;
    private final ConfluentAvroSerializer<CommandStatus> serializer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "delivery-status");
        thread.setDaemon(true);
        return thread;
    });

    StatusWriter(String instance, Map<String, Object> producerConfig, SchemaRegistryClient registry) {
        this.instance = instance;
        this.serializer = new ConfluentAvroSerializer<>(registry);
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put("client.id", producerConfig.getOrDefault("client.id", "ingest-bridge") + "-status");
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    void write(String commandId, String deviceId, DeliveryStatus status) {
        CommandStatus value = CommandStatus.newBuilder().setCommandId(commandId).setDeviceId(deviceId).setStatus(status)
                .setTime(Instant.now()).setBridgeInstance(instance).build();
        try {
            byte[] bytes = serializer.serialize(Topics.COMMAND_STATUS, value);
            sender.execute(() -> send(new ProducerRecord<>(Topics.COMMAND_STATUS, commandId.getBytes(StandardCharsets.UTF_8), bytes),
                    commandId, deviceId, status));
        } catch (RuntimeException e) {
            failed(commandId, deviceId, status, e);
        }
    }

    private void send(ProducerRecord<byte[], byte[]> record, String commandId, String deviceId, DeliveryStatus status) {
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    failed(commandId, deviceId, status, error);
                }
            });
        } catch (RuntimeException e) {
            failed(commandId, deviceId, status, e);
        }
    }

    private static void failed(String commandId, String deviceId, DeliveryStatus status, Throwable error) {
        if (error instanceof RejectedExecutionException) {
            return; // closing
        }
        LOG.warn("Could not record {} of command {} for {}: {}", status, commandId, deviceId, error.toString());
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
