package dev.iotpipeline.bridge.link;

/**
 * A connected device as the delivery room sees it: who it is, what it subscribed to, and a way to
 * send to it. The ingest room's MQTT sessions implement it. Thread-safe: sends hop to the
 * connection's event loop.
 */
public interface DeviceLink {

    String deviceId();

    String deviceType();

    /** The QoS the device subscribed to {@code topic} with, or -1 when no subscription of its matches. */
    int subscribedQos(String topic);

    /**
     * Sends {@code payload} on {@code topic}; {@code delivered} runs when the device has it (its
     * PUBACK for QoS 1, written to the socket for QoS 0). A connection that closes first never runs it.
     */
    void send(String topic, byte[] payload, int qos, Runnable delivered);
}
