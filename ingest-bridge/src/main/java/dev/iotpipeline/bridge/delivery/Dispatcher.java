package dev.iotpipeline.bridge.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.bridge.link.DeviceLink;
import dev.iotpipeline.bridge.link.DeviceTopics;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.command.DeliveryStatus;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Decides what goes to which connected device: commands from the {@link CommandBook}, the latest
 * shadow delta per device, each delivery paced by the {@link DeliveryPacer} and recorded by the
 * {@link StatusWriter} once the device has it. Everything but the connected-device map runs on the
 * delivery thread; {@code onLoop} brings a device's acknowledgement back onto it.
 */
final class Dispatcher {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMPTY_DELTA = "{}";

    private final Map<String, DeviceLink> connected = new ConcurrentHashMap<>();
    private final CommandBook book = new CommandBook();
    private final Map<String, DeviceShadow> latestShadows = new HashMap<>();
    private final DeliveryPacer pacer;
    private final StatusWriter statuses;
    private final DeliveryMetrics metrics;
    private final Consumer<Runnable> onLoop;

    Dispatcher(double ratePerSecond, StatusWriter statuses, DeliveryMetrics metrics, Consumer<Runnable> onLoop) {
        this.pacer = new DeliveryPacer(ratePerSecond);
        this.statuses = statuses;
        this.metrics = metrics;
        this.onLoop = onLoop;
    }

    /** Any thread. */
    void connected(DeviceLink device) {
        connected.put(device.deviceId(), device);
    }

    /** Any thread. */
    void disconnected(DeviceLink device) {
        connected.remove(device.deviceId(), device);
    }

    void onCommand(Command command) {
        if (book.add(command, Instant.now())) {
            connected.values().forEach(device -> offer(command, device));
        }
    }

    /** A tombstone for a command (its device was erased): it is no longer delivered. */
    void onCommandWithdrawn(String commandId) {
        if (book.remove(commandId)) {
            pacer.forgetGroups(id -> book.get(id) == null);
        }
    }

    /** A tombstone for a shadow (its device was erased): no delta of it is delivered any more. */
    void onShadowErased(String deviceId) {
        latestShadows.remove(deviceId);
    }

    void onStatus(CommandStatus status) {
        if (status.getStatus() == DeliveryStatus.DELIVERED) {
            book.markDelivered(status.getCommandId(), status.getDeviceId());
        }
    }

    /** Keeps the newest version of each device's shadow; older or repeated versions are skipped. */
    void onShadow(DeviceShadow shadow) {
        DeviceShadow before = latestShadows.get(shadow.getDeviceId());
        if (before == null || shadow.getVersion() > before.getVersion()) {
            latestShadows.put(shadow.getDeviceId(), shadow);
            DeviceLink device = connected.get(shadow.getDeviceId());
            if (device != null && !shadow.getDelta().equals(EMPTY_DELTA)) {
                offerDelta(shadow, device);
            }
        }
    }

    /** The device subscribed: what it has not received yet. */
    void catchUp(DeviceLink device) {
        for (Command command : book.pendingFor(device.deviceId(), device.deviceType(), Instant.now())) {
            offer(command, device);
        }
        DeviceShadow shadow = latestShadows.get(device.deviceId());
        if (shadow != null && !shadow.getDelta().equals(EMPTY_DELTA)) {
            offerDelta(shadow, device);
        }
    }

    /** An HTTP device's pending commands (recorded as delivered: the answer carries them) and shadow delta. */
    ObjectNode pendingWork(String deviceId, String deviceType) {
        ObjectNode work = JSON.createObjectNode();
        ArrayNode list = work.putArray("commands");
        for (Command command : book.pendingFor(deviceId, deviceType, Instant.now())) {
            list.addObject().put("command_id", command.getCommandId()).put("name", command.getName())
                    .put("payload", command.getPayload()).put("expires_time", command.getExpiresTime().toString());
            markDelivered(command.getCommandId(), deviceId);
        }
        DeviceShadow shadow = latestShadows.get(deviceId);
        if (shadow != null && !shadow.getDelta().equals(EMPTY_DELTA)) {
            work.set("shadow", deltaDocument(shadow));
        }
        return work;
    }

    /** Sends what the rate allows now, skipping commands that expired or reached the device another way meanwhile. */
    void deliverWithinRate() {
        pacer.drain(delivery -> delivery.group() == null
                || book.get(delivery.group()) != null && !book.isDelivered(delivery.group(), delivery.device().deviceId()));
        metrics.queued(pacer.size());
    }

    /** Forgets expired commands; device commands that expired undelivered get an EXPIRED status. */
    void expire(Instant now) {
        for (Command command : book.expire(now)) {
            metrics.expired();
            statuses.write(command.getCommandId(), command.getDeviceId(), DeliveryStatus.EXPIRED);
        }
        pacer.forgetGroups(id -> book.get(id) == null);
    }

    private void offer(Command command, DeviceLink device) {
        if (!CommandBook.targets(command, device.deviceId(), device.deviceType())
                || book.isDelivered(command.getCommandId(), device.deviceId())) {
            return;
        }
        String topic = command.getTarget() == CommandTarget.DEVICE
                ? DeviceTopics.command(device.deviceType(), device.deviceId(), command.getName())
                : DeviceTopics.broadcast(device.deviceType(), command.getName());
        int qos = device.subscribedQos(topic);
        if (qos < 0) {
            return; // delivered when it subscribes
        }
        String deviceId = device.deviceId();
        pacer.enqueue(new DeliveryPacer.Delivery(command.getCommandId() + "|" + deviceId, command.getCommandId(),
                command.getMaxRatePerSecond(), device, topic, command.getPayload().getBytes(StandardCharsets.UTF_8), Math.min(qos, 1),
                () -> onLoop.accept(() -> markDelivered(command.getCommandId(), deviceId))));
        metrics.queued(pacer.size());
    }

    private void offerDelta(DeviceShadow shadow, DeviceLink device) {
        String topic = DeviceTopics.shadowDelta(device.deviceType(), device.deviceId());
        int qos = device.subscribedQos(topic);
        if (qos >= 0) {
            pacer.enqueue(new DeliveryPacer.Delivery("shadow|" + device.deviceId() + "|" + shadow.getVersion(), null, null, device,
                    topic, deltaDocument(shadow).toString().getBytes(StandardCharsets.UTF_8), Math.min(qos, 1), metrics::delta));
            metrics.queued(pacer.size());
        }
    }

    private void markDelivered(String commandId, String deviceId) {
        if (book.isDelivered(commandId, deviceId)) {
            return;
        }
        book.markDelivered(commandId, deviceId);
        metrics.delivered();
        statuses.write(commandId, deviceId, DeliveryStatus.DELIVERED);
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
}
