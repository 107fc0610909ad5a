package dev.iotpipeline.bridge.ingest.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What an MQTT 5 PUBLISH carries besides its payload, as the bridge writes it to Kafka. */
final class PublishProperties {

    private PublishProperties() {
    }

    /** The Content Type property, or null. */
    static String contentType(MqttProperties properties) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value());
        return property == null ? null : String.valueOf(property.value());
    }

    /** The user properties in the order the device sent them, duplicates included (MQTT 5 3.3.2.3.7). */
    static List<Map.Entry<String, String>> userProperties(MqttProperties properties) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> property : properties.getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value())) {
            if (property instanceof MqttProperties.UserProperties user) {
                user.value().forEach(pair -> pairs.add(Map.entry(pair.key, pair.value)));
            } else if (property instanceof MqttProperties.UserProperty user) {
                pairs.add(Map.entry(user.value().key, user.value().value));
            }
        }
        return pairs;
    }
}
