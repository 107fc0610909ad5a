package dev.iotpipeline.bridge.link;

/**
 * The MQTT topics of data to and from devices, the contract both rooms share: a device's own
 * commands {@code cmd/<type>/<id>/<name>}, its type's and the fleet's broadcasts
 * {@code cmd/<type>/broadcast/<name>}, its shadow delta {@code shadow/<type>/<id>/delta}, and the
 * topic it reports its state on, {@code shadow/<type>/<id>/reported}.
 */
public final class DeviceTopics {

    private DeviceTopics() {
    }

    public static String command(String deviceType, String deviceId, String name) {
        return "cmd/" + deviceType + "/" + deviceId + "/" + name;
    }

    public static String broadcast(String deviceType, String name) {
        return "cmd/" + deviceType + "/broadcast/" + name;
    }

    public static String shadowDelta(String deviceType, String deviceId) {
        return "shadow/" + deviceType + "/" + deviceId + "/delta";
    }

    public static String shadowReported(String deviceType, String deviceId) {
        return "shadow/" + deviceType + "/" + deviceId + "/reported";
    }

    /** Whether a device may subscribe to {@code filter}: only below its own command, broadcast and shadow topics. */
    public static boolean maySubscribe(String deviceType, String deviceId, String filter) {
        String own = "cmd/" + deviceType + "/" + deviceId;
        String broadcast = "cmd/" + deviceType + "/broadcast";
        String shadow = "shadow/" + deviceType + "/" + deviceId;
        return within(filter, own) || within(filter, broadcast) || within(filter, shadow);
    }

    /** The filter is the prefix itself or below it; a wildcard may only appear below it. */
    private static boolean within(String filter, String prefix) {
        return filter.equals(prefix) || filter.equals(prefix + "/#") || filter.startsWith(prefix + "/")
                && !filter.substring(0, prefix.length()).contains("+") && !filter.substring(0, prefix.length()).contains("#");
    }
}
