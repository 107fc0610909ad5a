package dev.iotpipeline.bridge.delivery;

import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The unexpired commands this bridge knows (read from the commands topic) and which devices
 * already have them (read from the delivery statuses every instance writes), so a device gets a
 * command once, also when it connects later or to another instance. Memory is bounded by the
 * commands' expiry: expired commands and their deliveries are forgotten. Not thread-safe.
 */
public final class CommandBook {

    private final Map<String, Command> pending = new LinkedHashMap<>();
    private final Map<String, Set<String>> delivered = new LinkedHashMap<>();

    /** Adds a command unless it has already expired; returns whether it is pending. */
    public boolean add(Command command, Instant now) {
        if (!command.getExpiresTime().isAfter(now)) {
            return false;
        }
        pending.put(command.getCommandId(), command);
        return true;
    }

    public void markDelivered(String commandId, String deviceId) {
        delivered.computeIfAbsent(commandId, id -> new HashSet<>()).add(deviceId);
    }

    public boolean isDelivered(String commandId, String deviceId) {
        Set<String> devices = delivered.get(commandId);
        return devices != null && devices.contains(deviceId);
    }

    /** Unexpired commands for a device that it does not have yet, oldest first. */
    public List<Command> pendingFor(String deviceId, String deviceType, Instant now) {
        List<Command> result = new ArrayList<>();
        for (Command command : pending.values()) {
            if (command.getExpiresTime().isAfter(now) && targets(command, deviceId, deviceType)
                    && !isDelivered(command.getCommandId(), deviceId)) {
                result.add(command);
            }
        }
        return result;
    }

    public static boolean targets(Command command, String deviceId, String deviceType) {
        return switch (command.getTarget()) {
            case DEVICE -> deviceId.equals(command.getDeviceId());
            case DEVICE_TYPE -> deviceType.equals(command.getDeviceType());
            case ALL -> true;
        };
    }

    /**
     * Forgets expired commands; returns the device-targeted ones that expired undelivered (their
     * EXPIRED status is written; for type and fleet commands the undelivered devices are unknown).
     */
    public List<Command> expire(Instant now) {
        List<Command> expiredUndelivered = new ArrayList<>();
        for (Iterator<Command> it = pending.values().iterator(); it.hasNext(); ) {
            Command command = it.next();
            if (!command.getExpiresTime().isAfter(now)) {
                if (command.getTarget() == CommandTarget.DEVICE && !isDelivered(command.getCommandId(), command.getDeviceId())) {
                    expiredUndelivered.add(command);
                }
                it.remove();
                delivered.remove(command.getCommandId());
            }
        }
        return expiredUndelivered;
    }

    /** Forgets a command (withdrawn: its device was erased); true when it was pending. */
    public boolean remove(String commandId) {
        delivered.remove(commandId);
        return pending.remove(commandId) != null;
    }

    public Command get(String commandId) {
        return pending.get(commandId);
    }

    public int size() {
        return pending.size();
    }
}
