package dev.iotpipeline.bridge.ingest.mqtt;

import dev.iotpipeline.bridge.BridgeConfig;

/**
 * What one MQTT listener allows.
 *
 * @param maxPayloadBytes largest payload of a PUBLISH (Maximum Packet Size adds room for headers)
 * @param maxConnections most concurrent connections of the bridge
 * @param maxConnectionsPerAddress most concurrent connections from one source IP address
 * @param receiveMaximum QoS 1 publishes a connection may have unacknowledged
 * @param connectTimeoutSeconds how long a new connection has, from its accept, to send a complete CONNECT
 * @param maxPendingConnections most connections accepted and not yet authenticated, in total
 * @param maxPendingConnectionsPerAddress most of those from one source IP address
 */
public record MqttLimits(int maxPayloadBytes, int maxConnections, int maxConnectionsPerAddress, int receiveMaximum,
                         int connectTimeoutSeconds, int maxPendingConnections, int maxPendingConnectionsPerAddress) {

    /** Fixed header, topic and properties on top of the payload. */
    static final int HEADER_ALLOWANCE = 1024;

    public static MqttLimits from(BridgeConfig.Mqtt mqtt, BridgeConfig.Limits limits) {
        return new MqttLimits(limits.maxPayloadBytes(), limits.maxConnections(), limits.maxConnectionsPerAddress(),
                mqtt.receiveMaximum(), mqtt.connectTimeoutSeconds(), limits.maxPendingConnections(),
                limits.maxPendingConnectionsPerAddress());
    }

    int maxPacketBytes() {
        return maxPayloadBytes + HEADER_ALLOWANCE;
    }
}
