package dev.iotpipeline.bridge.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.bridge.auth.Device;
import dev.iotpipeline.bridge.kafka.RawPublisher;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryException;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.command.DeliveryStatus;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.schemas.shadow.ShadowState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data to devices: commands (one device, a device type, or everyone) and device shadows.
 *
 * <p>Every bridge instance reads the whole commands, delivery-status and shadow topics (no consumer
 * group: each instance needs all of them) and delivers to the devices connected to it that
 * subscribed to the command's topic: {@code cmd/<type>/<id>/<name>} for one device,
 * {@code cmd/<type>/broadcast/<name>} for a type or everyone. A device gets its unexpired
 * commands when it subscribes, so a device that was offline catches up, and never a command it
 * already has (statuses are shared by all instances). Deliveries are paced: at most
 * {@code commands.rate.per.second} per instance (and a command's own {@code max_rate_per_second}),
 * so one broadcast to the fleet is spread over time instead of flattening the bridge. Each delivery
 * (the device's PUBACK for QoS 1) is written to the status topic; device-targeted commands that
 * expire undelivered get an EXPIRED status.
 *
 * <p>Shadows: the latest version of each device's shadow is kept; its delta goes to
 * {@code shadow/<type>/<id>/delta} when the device subscribes and whenever a new version has one.
 * A device reports its state by publishing a JSON object to {@code shadow/<type>/<id>/reported}.
 *
 * <p>All state lives on one thread ({@code fanout}), which also owns the Kafka consumer.
 */
public final class FanOut implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(20);

    private final String instance;
    private final RawPublisher publisher;
    private final KafkaConsumer<String, byte[]> consumer;
    private final ConfluentAvroDeserializer<Command> commands;
    private final ConfluentAvroDeserializer<CommandStatus> statuses;
    private final ConfluentAvroDeserializer<DeviceShadow> shadows;
    private final ConfluentAvroSerializer<CommandStatus> statusWriter;
    private final ConfluentAvroSerializer<ShadowState> reportWriter;
    private final Map<String, Outbound> connected = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final Counter delivered;
    private final Counter expired;
    private final Counter deltas;
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean running = true;

    // fanout thread only
    private final CommandBook book = new CommandBook();
    private final Map<String, DeviceShadow> latestShadows = new HashMap<>();
    private final DeliveryPacer pacer;
    private long lastExpiry;

    public FanOut(String instance, Map<String, Object> consumerConfig, SchemaRegistryClient registry, RawPublisher publisher,
                  double ratePerSecond, MeterRegistry meters) {
        this.instance = instance;
        this.publisher = publisher;
        this.pacer = new DeliveryPacer(ratePerSecond);
        this.commands = new ConfluentAvroDeserializer<>(registry, Command.class);
        this.statuses = new ConfluentAvroDeserializer<>(registry, CommandStatus.class);
        this.shadows = new ConfluentAvroDeserializer<>(registry, DeviceShadow.class);
        this.statusWriter = new ConfluentAvroSerializer<>(registry);
        this.reportWriter = new ConfluentAvroSerializer<>(registry);
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put("isolation.level", "read_committed");
        config.put("enable.auto.commit", "false");
        config.remove("group.id");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.delivered = Counter.builder("iot.bridge.commands.delivered").description("Commands delivered to devices")
                .register(meters);
        this.expired = Counter.builder("iot.bridge.commands.expired").description("Device commands that expired undelivered")
                .register(meters);
        this.deltas = Counter.builder("iot.bridge.shadow.deltas").description("Shadow deltas sent to devices").register(meters);
        Gauge.builder("iot.bridge.commands.queued", queued, AtomicInteger::get)
                .description("Deliveries waiting for their turn under the rate limit").register(meters);
        this.thread = new Thread(this::run, "fanout");
        thread.setDaemon(true);
        thread.start();
    }

    /** A device connected (and its session can send): called from its event loop. */
    public void connected(Outbound device) {
        connected.put(device.deviceId(), device);
    }

    /** The device's connection closed (only if it is still the registered one: a reconnect may have replaced it). */
    public void disconnected(Outbound device) {
        connected.remove(device.deviceId(), device);
    }

    /** The device subscribed: send what it has not received yet that the new subscriptions match. */
    public void subscribed(Outbound device) {
        events.add(() -> catchUp(device));
    }

    /** Records a device's reported shadow state (a JSON object) in Kafka; completes when Kafka has it. */
    public CompletableFuture<RecordMetadata> report(Device device, byte[] json) {
        JsonNode state;
        try {
            state = JSON.readTree(json);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the reported state is not JSON: " + e.getMessage()));
        }
        if (state == null || !state.isObject()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the reported state must be a JSON object"));
        }
        ShadowState value = ShadowState.newBuilder().setDeviceId(device.id()).setDeviceType(device.type())
                .setState(state.toString()).setUpdatedTime(Instant.now()).build();
        try {
            return publisher.sendValue(Topics.SHADOW_REPORTED, device.id(), reportWriter.serialize(Topics.SHADOW_REPORTED, value));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // the registry could not be reached: the device retries
        }
    }

    /**
     * What an HTTP device gets in its telemetry response: its pending commands (then counted as
     * delivered, since the response carries them) and its shadow delta, if any.
     */
    public CompletableFuture<ObjectNode> pendingWork(Device device) {
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        events.add(() -> {
            ObjectNode work = JSON.createObjectNode();
            var list = work.putArray("commands");
            for (Command command : book.pendingFor(device.id(), device.type(), Instant.now())) {
                list.addObject().put("command_id", command.getCommandId()).put("name", command.getName())
                        .put("payload", command.getPayload()).put("expires_time", command.getExpiresTime().toString());
                markDelivered(command.getCommandId(), device.id());
            }
            DeviceShadow shadow = latestShadows.get(device.id());
            if (shadow != null && !shadow.getDelta().equals("{}")) {
                work.set("shadow", deltaDocument(shadow));
            }
            answer.complete(work);
        });
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
                    deliverWithinRate();
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // One bad step (the registry away, say) must not end delivery for every device.
                    LOG.error("Command and shadow delivery hit an error; going on: {}", e.toString(), e);
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
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
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
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
                    Command command = commands.deserialize(record.topic(), record.value());
                    if (command != null && book.add(command, Instant.now())) {
                        connected.values().forEach(device -> offer(command, device));
                    }
                }
                case Topics.COMMAND_STATUS -> {
                    CommandStatus status = statuses.deserialize(record.topic(), record.value());
                    if (status != null && status.getStatus() == DeliveryStatus.DELIVERED) {
                        book.markDelivered(status.getCommandId(), status.getDeviceId());
                    }
                }
                default -> {
                    DeviceShadow shadow = record.value() == null ? null : shadows.deserialize(record.topic(), record.value());
                    if (shadow != null) {
                        DeviceShadow before = latestShadows.get(shadow.getDeviceId());
                        if (before == null || shadow.getVersion() > before.getVersion()) {
                            latestShadows.put(shadow.getDeviceId(), shadow);
                            Outbound device = connected.get(shadow.getDeviceId());
                            if (device != null && !shadow.getDelta().equals("{}")) {
                                offerDelta(shadow, device);
                            }
                        }
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

    private void catchUp(Outbound device) {
        for (Command command : book.pendingFor(device.deviceId(), device.deviceType(), Instant.now())) {
            offer(command, device);
        }
        DeviceShadow shadow = latestShadows.get(device.deviceId());
        if (shadow != null && !shadow.getDelta().equals("{}")) {
            offerDelta(shadow, device);
        }
    }

    private void offer(Command command, Outbound device) {
        if (!CommandBook.targets(command, device.deviceId(), device.deviceType())
                || book.isDelivered(command.getCommandId(), device.deviceId())) {
            return;
        }
        String topic = commandTopic(command, device);
        int qos = device.subscribedQos(topic);
        if (qos < 0) {
            return; // delivered when it subscribes
        }
        String deviceId = device.deviceId();
        pacer.enqueue(new DeliveryPacer.Delivery(command.getCommandId() + "|" + deviceId, command.getCommandId(),
                command.getMaxRatePerSecond(), device, topic, command.getPayload().getBytes(StandardCharsets.UTF_8), Math.min(qos, 1),
                () -> events.add(() -> markDelivered(command.getCommandId(), deviceId))));
        queued.set(pacer.size());
    }

    private void offerDelta(DeviceShadow shadow, Outbound device) {
        String topic = "shadow/" + device.deviceType() + "/" + device.deviceId() + "/delta";
        int qos = device.subscribedQos(topic);
        if (qos >= 0) {
            pacer.enqueue(new DeliveryPacer.Delivery("shadow|" + device.deviceId() + "|" + shadow.getVersion(), null, null, device,
                    topic, deltaDocument(shadow).toString().getBytes(StandardCharsets.UTF_8), Math.min(qos, 1), deltas::increment));
            queued.set(pacer.size());
        }
    }

    private static ObjectNode deltaDocument(DeviceShadow shadow) {
        ObjectNode document = JSON.createObjectNode().put("version", shadow.getVersion());
        try {
            document.set("delta", JSON.readTree(shadow.getDelta()));
        } catch (IOException e) {
            document.put("delta", shadow.getDelta());
        }
        return document;
    }

    static String commandTopic(Command command, Outbound device) {
        return command.getTarget() == CommandTarget.DEVICE
                ? "cmd/" + device.deviceType() + "/" + device.deviceId() + "/" + command.getName()
                : "cmd/" + device.deviceType() + "/broadcast/" + command.getName();
    }

    /** Sends what the rate allows now, skipping commands that expired or reached the device another way meanwhile. */
    private void deliverWithinRate() {
        pacer.drain(delivery -> delivery.group() == null
                || book.get(delivery.group()) != null && !book.isDelivered(delivery.group(), delivery.device().deviceId()));
        queued.set(pacer.size());
    }

    private void markDelivered(String commandId, String deviceId) {
        if (book.isDelivered(commandId, deviceId)) {
            return;
        }
        book.markDelivered(commandId, deviceId);
        delivered.increment();
        writeStatus(commandId, deviceId, DeliveryStatus.DELIVERED);
    }

    private void expireCommands() {
        long now = System.currentTimeMillis();
        if (now - lastExpiry < 1_000) {
            return;
        }
        lastExpiry = now;
        for (Command command : book.expire(Instant.ofEpochMilli(now))) {
            expired.increment();
            writeStatus(command.getCommandId(), command.getDeviceId(), DeliveryStatus.EXPIRED);
        }
        pacer.forgetGroups(id -> book.get(id) == null);
    }

    private void writeStatus(String commandId, String deviceId, DeliveryStatus status) {
        CommandStatus value = CommandStatus.newBuilder().setCommandId(commandId).setDeviceId(deviceId).setStatus(status)
                .setTime(Instant.now()).setBridgeInstance(instance).build();
        CompletableFuture<RecordMetadata> written;
        try {
            written = publisher.sendValue(Topics.COMMAND_STATUS, commandId, statusWriter.serialize(Topics.COMMAND_STATUS, value));
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((metadata, error) -> {
                    if (error != null) {
                        LOG.warn("Could not record {} of command {} for {}: {}", status, commandId, deviceId, error.toString());
                    }
                });
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
    }
}
