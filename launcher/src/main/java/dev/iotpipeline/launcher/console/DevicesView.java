package dev.iotpipeline.launcher.console;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.TopicSnapshot;
import dev.iotpipeline.launcher.console.WarehouseView.LastReading;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The devices page: every device of the registry with its newest stored reading (when it was
 * received, in which format version), its shadow and the commands still waiting for it (addressed
 * to it, its type or the fleet; neither delivered to it nor expired).
 */
final class DevicesView {

    record PendingCommand(String commandId, String name, String target, Instant expiresTime) {
    }

    record Shadow(long version, String reported, String desired, String delta, Instant updatedTime) {
    }

    record DeviceRow(String id, String type, boolean enabled, Instant lastSeen, Instant lastEventTime, String formatVersion,
                     Shadow shadow, List<PendingCommand> pendingCommands) {
    }

    /** One for the console's life: it re-reads the file when it changed (and logs each load). */
    private final DeviceProvisioning registry;
    private final String bootstrapServers;
    private final String registryUrl;
    private final WarehouseView warehouse;

    DevicesView(Path devicesFile, String bootstrapServers, String registryUrl, WarehouseView warehouse) {
        this.registry = new DeviceProvisioning(devicesFile);
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.warehouse = warehouse;
    }

    /** The registered devices of a type (all when null). */
    List<DeviceProvisioning.ProvisionedDevice> registered(String type) {
        return registry.list().stream().filter(d -> type == null || type.equals(d.type())).toList();
    }

    List<DeviceRow> rows() throws SQLException {
        List<DeviceProvisioning.ProvisionedDevice> devices = registered(null);
        Map<String, LastReading> last = warehouse.lastReadings(devices.stream().map(DeviceProvisioning.ProvisionedDevice::id).toList());
        Map<String, Shadow> shadows = shadows();
        List<Command> pending = pendingCommands();
        Set<String> delivered = deliveredTo();
        List<DeviceRow> rows = new ArrayList<>();
        for (DeviceProvisioning.ProvisionedDevice device : devices) {
            LastReading reading = last.get(device.id());
            List<PendingCommand> waiting = pending.stream()
                    .filter(c -> addressedTo(c, device) && !delivered.contains(c.getCommandId() + "/" + device.id()))
                    .map(c -> new PendingCommand(c.getCommandId(), c.getName(), target(c), c.getExpiresTime())).toList();
            rows.add(new DeviceRow(device.id(), device.type(), device.enabled(), reading == null ? null : reading.ingestTime(),
                    reading == null ? null : reading.eventTime(), reading == null ? null : reading.sourceFormat(),
                    shadows.get(device.id()), waiting));
        }
        return rows;
    }

    /** The current shadow of each device (the compacted topic's last value per key; a tombstone erases). */
    private Map<String, Shadow> shadows() {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(registryUrl), DeviceShadow.class);
        Map<String, Shadow> shadows = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicSnapshot.read(bootstrapServers, Topics.SHADOW)) {
            String deviceId = new String(record.key(), StandardCharsets.UTF_8);
            if (record.value() == null) {
                shadows.remove(deviceId);
            } else {
                DeviceShadow shadow = deserializer.deserialize(Topics.SHADOW, record.value());
                shadows.put(deviceId, new Shadow(shadow.getVersion(), shadow.getReported(), shadow.getDesired(), shadow.getDelta(),
                        shadow.getUpdatedTime()));
            }
        }
        return shadows;
    }

    /** Commands not withdrawn and not expired. */
    private List<Command> pendingCommands() {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(registryUrl), Command.class);
        Map<String, Command> commands = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicSnapshot.read(bootstrapServers, Topics.COMMANDS)) {
            String commandId = new String(record.key(), StandardCharsets.UTF_8);
            if (record.value() == null) {
                commands.remove(commandId);
            } else {
                commands.put(commandId, deserializer.deserialize(Topics.COMMANDS, record.value()));
            }
        }
        Instant now = Instant.now();
        return commands.values().stream().filter(c -> c.getExpiresTime().isAfter(now)).toList();
    }

    /** {@code commandId/deviceId} of every delivery or expiry recorded. */
    private Set<String> deliveredTo() {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(registryUrl), CommandStatus.class);
        Set<String> done = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicSnapshot.read(bootstrapServers, Topics.COMMAND_STATUS)) {
            if (record.value() != null) {
                CommandStatus status = deserializer.deserialize(Topics.COMMAND_STATUS, record.value());
                done.add(status.getCommandId() + "/" + status.getDeviceId());
            }
        }
        return done;
    }

    private static boolean addressedTo(Command command, DeviceProvisioning.ProvisionedDevice device) {
        return command.getTarget() == CommandTarget.ALL
                || command.getTarget() == CommandTarget.DEVICE_TYPE && device.type().equals(command.getDeviceType())
                || command.getTarget() == CommandTarget.DEVICE && device.id().equals(command.getDeviceId());
    }

    private static String target(Command command) {
        return switch (command.getTarget()) {
            case ALL -> "fleet";
            case DEVICE_TYPE -> "type " + command.getDeviceType();
            case DEVICE -> "device";
        };
    }
}
