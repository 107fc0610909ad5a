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
import java.time.Duration;
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

    /** One page of the devices matching a search, out of {@code total}. */
    record Page(int total, int offset, List<DeviceRow> devices) {
    }

    /** How far a bridge's clock (a status's time) may be behind the sender's (a command's creation). */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

    /** Devices on a page at most: a fleet of 100,000 is searched and paged, not sent whole to the browser. */
    static final int MAX_PAGE = 500;

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

    /** The devices whose id contains {@code search} (all when empty), ordered by id, from {@code offset}. */
    Page page(String search, int offset, int limit) throws SQLException {
        if (offset < 0 || limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("offset must be 0 or more and limit 1 to " + MAX_PAGE);
        }
        List<DeviceProvisioning.ProvisionedDevice> matching = registered(null).stream()
                .filter(d -> search == null || search.isBlank() || d.id().contains(search.strip())).toList();
        List<DeviceProvisioning.ProvisionedDevice> devices = matching.subList(Math.min(offset, matching.size()),
                Math.min(matching.size(), offset + limit));
        Map<String, LastReading> last = warehouse.lastReadings(devices.stream().map(DeviceProvisioning.ProvisionedDevice::id).toList());
        Map<String, Shadow> shadows = shadows();
        List<Command> pending = pendingCommands();
        Set<String> delivered = pending.isEmpty() ? Set.of()
                : deliveredTo(pending.stream().map(Command::getCreatedTime).min(Instant::compareTo).orElseThrow().minus(CLOCK_SKEW));
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
        return new Page(matching.size(), offset, rows);
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

    /**
     * {@code commandId/deviceId} of every delivery or expiry recorded since {@code from} (the oldest
     * pending command's creation: no status of it is older), not the whole status topic.
     */
    private Set<String> deliveredTo(Instant from) {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(registryUrl), CommandStatus.class);
        Set<String> done = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicSnapshot.since(bootstrapServers, Topics.COMMAND_STATUS, from)) {
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
