package dev.iotpipeline.bridge.ingest.kafka;

import dev.iotpipeline.bridge.ingest.routing.Route;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka record of a device message: key = device id, the payload as it came, and the headers
 * of the contract ({@link TelemetryHeaders}). A pure function of what was received: no more
 * header bytes than the message brought plus the fixed headers, and MQTT 5 user properties
 * in the device's order, duplicates included.
 */
public final class TelemetryRecords {

    private TelemetryRecords() {
    }

    public static ProducerRecord<byte[], byte[]> record(RawPublisher.Received message, byte[] payload, String instance) {
        RecordHeaders headers = new RecordHeaders();
        Route route = message.route();
        add(headers, TelemetryHeaders.DEVICE_ID, route.deviceId());
        add(headers, TelemetryHeaders.DEVICE_TYPE, route.deviceType());
        add(headers, TelemetryHeaders.FORMAT_VERSION, route.version());
        add(headers, TelemetryHeaders.PROTOCOL, message.protocol());
        add(headers, TelemetryHeaders.MQTT_TOPIC, message.mqttTopic());
        if (message.qos() != null) {
            add(headers, TelemetryHeaders.MQTT_QOS, message.qos().toString());
        }
        if (message.clientId() != null) {
            add(headers, TelemetryHeaders.CLIENT_ID, message.clientId());
        }
        add(headers, TelemetryHeaders.RECEIVE_TIME, Long.toString(message.receiveTime()));
        add(headers, TelemetryHeaders.BRIDGE_INSTANCE, instance);
        if (message.contentType() != null) {
            add(headers, TelemetryHeaders.CONTENT_TYPE, message.contentType());
        }
        for (Map.Entry<String, String> property : message.userProperties()) {
            add(headers, TelemetryHeaders.USER_PROPERTY_PREFIX + property.getKey(), property.getValue());
        }
        return new ProducerRecord<>(route.kafkaTopic(), null, message.receiveTime(), route.deviceId().getBytes(StandardCharsets.UTF_8),
                payload, headers);
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
