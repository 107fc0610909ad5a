package dev.iotpipeline.bridge.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.bridge.link.Deliveries;
import dev.iotpipeline.bridge.link.DeviceLink;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data to devices: commands (one device, a device type, or everyone) and device shadows.
 *
 * <p>Every bridge instance reads the whole commands, delivery-status and shadow topics (no consumer
 * group: each instance needs all of them) and delivers to the devices connected to it that
 * subscribed to the command's topic (see {@code DeviceTopics}). A device
 * gets its unexpired commands when it subscribes, so a device that was offline catches up, and
 * never a command it already has (statuses are shared by all instances). Deliveries are paced: at
 * most {@code commands.rate.per.second} per instance (and a command's own
 * {@code max_rate_per_second}). Each delivery (the device's PUBACK for QoS 1) is written to the
 * status topic; device-targeted commands that expire undelivered get an EXPIRED status. The newest
 * shadow version of each device is kept; its delta goes to the device when it subscribes and with
 * every newer version that has one.
 *
 * <p>All state lives on one thread ({@code delivery}), which also owns the Kafka consumer; the
 * ingest room's calls only queue work for it.
 */
public final class DeliveryLoop implements Deliveries, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLoop.class);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final long EXPIRY_INTERVAL_MS = 1_000;

    private final KafkaConsumer<String, byte[]> consumer;
    private final ConfluentAvroDeserializer<Command> commands;
    private final ConfluentAvroDeserializer<CommandStatus> statuses;
    private final ConfluentAvroDeserializer<DeviceShadow> shadows;
    private final StatusWriter statusWriter;
    private final Dispatcher dispatcher;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long lastExpiry;

    /**
     * @param consumerConfig bootstrap servers and security settings of the bridge's consumers
     * @param producerConfig the durable producer settings, for the status writer
     */
    public DeliveryLoop(String instance, Map<String, Object> consumerConfig, Map<String, Object> producerConfig,
                        SchemaRegistryClient registry, double ratePerSecond, MeterRegistry meters) {
        this.commands = new ConfluentAvroDeserializer<>(registry, Command.class);
        this.statuses = new ConfluentAvroDeserializer<>(registry, CommandStatus.class);
        this.shadows = new ConfluentAvroDeserializer<>(registry, DeviceShadow.class);
        this.statusWriter = new StatusWriter(instance, producerConfig, registry);
        this.dispatcher = new Dispatcher(ratePerSecond, statusWriter, new DeliveryMetrics(meters), events::add);
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put("isolation.level", "read_committed");
        config.put("enable.auto.commit", "false");
        config.remove("group.id");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "delivery");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void connected(DeviceLink device) {
        dispatcher.connected(device);
    }

    @Override
    public void disconnected(DeviceLink device) {
        dispatcher.disconnected(device);
    }

    @Override
    public void subscribed(DeviceLink device) {
        events.add(() -> dispatcher.catchUp(device));
    }

    @Override
    public CompletableFuture<ObjectNode> pendingWork(String deviceId, String deviceType) {
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        events.add(() -> answer.complete(dispatcher.pendingWork(deviceId, deviceType)));
        return answer;
    }

    private void run() {
        try {
            assignEverything();
            while (running) {
                try {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                        handle(record);
                    }
                    for (Runnable event; (event = events.poll()) != null; ) {
                        event.run();
                    }
                    expireCommands();
                    dispatcher.deliverWithinRate();
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // One bad step (the registry away, say) must not end delivery for every device.
                    LOG.error("Command and shadow delivery hit an error; going on: {}", e.toString(), e);
                    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Waits until the topics exist (the streams app creates them), then reads each from its beginning. */
    private void assignEverything() {
        List<TopicPartition> partitions = new ArrayList<>();
        while (running && partitions.isEmpty()) {
            try {
                for (String topic : List.of(Topics.COMMANDS, Topics.COMMAND_STATUS, Topics.SHADOW)) {
                    var found = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                    if (found == null || found.isEmpty()) {
                        throw new IllegalStateException("topic " + topic + " does not exist yet");
                    }
                    found.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
            } catch (RuntimeException e) {
                partitions.clear();
                LOG.warn("Commands and shadows wait for their topics: {}", e.getMessage());
                LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        LOG.info("Delivering commands and shadows from {} partitions", partitions.size());
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        try {
            switch (record.topic()) {
                case Topics.COMMANDS -> {
                    if (record.value() == null) {
                        if (record.key() != null) {
                            dispatcher.onCommandWithdrawn(record.key());
                        }
                        return;
                    }
                    Command command = commands.deserialize(record.topic(), record.value());
                    if (command != null) {
                        dispatcher.onCommand(command);
                    }
                }
                case Topics.COMMAND_STATUS -> {
                    CommandStatus status = statuses.deserialize(record.topic(), record.value());
                    if (status != null) {
                        dispatcher.onStatus(status);
                    }
                }
                default -> {
                    if (record.value() == null && record.key() != null) {
                        dispatcher.onShadowErased(record.key());
                        return;
                    }
                    DeviceShadow shadow = record.value() == null ? null : shadows.deserialize(record.topic(), record.value());
                    if (shadow != null) {
                        dispatcher.onShadow(shadow);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (registryUnavailable(e)) {
                // Read it again once the registry answers, rather than lose a command.
                consumer.seek(new TopicPartition(record.topic(), record.partition()), record.offset());
                throw e;
            }
            LOG.warn("Skipping record {}-{}@{} that cannot be read: {}", record.topic(), record.partition(), record.offset(),
                    e.toString());
        }
    }

    private static boolean registryUnavailable(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SchemaRegistryException registry && registry.retriable()) {
                return true;
            }
        }
        return false;
    }

    private void expireCommands() {
        long now = System.currentTimeMillis();
        if (now - lastExpiry >= EXPIRY_INTERVAL_MS) {
            lastExpiry = now;
            dispatcher.expire(Instant.ofEpochMilli(now));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        statusWriter.close();
    }
}
