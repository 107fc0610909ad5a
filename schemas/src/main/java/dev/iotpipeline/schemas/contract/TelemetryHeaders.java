package dev.iotpipeline.schemas.contract;

/**
 * Kafka record headers the ingest bridge writes on every raw record and the streams app reads.
 * Values are UTF-8 strings so that any Kafka tool shows them readably; times are epoch
 * milliseconds in decimal.
 */
public final class TelemetryHeaders {

    /** The device id as authenticated by the bridge (never taken from the payload). */
    public static final String DEVICE_ID = "iot.device.id";
    /** Device type, e.g. {@code env-sensor}. */
    public static final String DEVICE_TYPE = "iot.device.type";
    /** Payload format version, e.g. {@code v2}. */
    public static final String FORMAT_VERSION = "iot.format.version";
    /** Protocol the message arrived on: {@code mqtt} or {@code http}. */
    public static final String PROTOCOL = "iot.protocol";
    /** MQTT topic the device published to (for HTTP: the request path). */
    public static final String MQTT_TOPIC = "iot.mqtt.topic";
    /** MQTT QoS of the publish, {@code 0}, {@code 1} or {@code 2}; absent for HTTP. */
    public static final String MQTT_QOS = "iot.mqtt.qos";
    /** MQTT client id; absent for HTTP. */
    public static final String CLIENT_ID = "iot.client.id";
    /** When the bridge received the message, epoch milliseconds UTC. */
    public static final String RECEIVE_TIME = "iot.receive.time";
    /** Id of the bridge instance that received the message. */
    public static final String BRIDGE_INSTANCE = "iot.bridge.instance";
    /** MQTT 5 content type or HTTP Content-Type, when given. */
    public static final String CONTENT_TYPE = "iot.content.type";
    /** On a raw record replayed from the dead-letter topic: which letter, {@code <dead-letter topic>/<partition>@<offset>}. */
    public static final String REPLAY_OF = "iot.replay.of";
    /** Prefix of MQTT 5 user properties: {@code iot.user.<name>} = value. */
    public static final String USER_PROPERTY_PREFIX = "iot.user.";

    /** Protocol header values. */
    public static final String PROTOCOL_MQTT = "mqtt";
    public static final String PROTOCOL_HTTP = "http";

    private TelemetryHeaders() {
    }
}
