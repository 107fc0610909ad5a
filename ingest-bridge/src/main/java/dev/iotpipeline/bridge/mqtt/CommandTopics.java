package dev.iotpipeline.bridge.mqtt;

import dev.iotpipeline.bridge.auth.Device;

/**
 * The topics a device may subscribe to: its own commands {@code cmd/<type>/<id>/...}, its type's
 * broadcasts {@code cmd/<type>/broadcast/...}, and its shadow {@code shadow/<type>/<id>/...}.
 */
public final class CommandTopics {

    private CommandTopics() {
    }

    public static boolean maySubscribe(Device device, String filter) {
        String own = "cmd/" + device.type() + "/" + device.id();
        String broadcast = "cmd/" + device.type() + "/broadcast";
        String shadow = "shadow/" + device.type() + "/" + device.id();
        return within(filter, own) || within(filter, broadcast) || within(filter, shadow);
    }

    /** The filter is the prefix itself or below it; a wildcard may only appear below it. */
    private static boolean within(String filter, String prefix) {
        return filter.equals(prefix) || filter.equals(prefix + "/#") || filter.startsWith(prefix + "/")
                && !filter.substring(0, prefix.length()).contains("+") && !filter.substring(0, prefix.length()).contains("#");
    }
}
