package dev.iotpipeline.bridge.ingest.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** MQTT 5 user properties, however many, however odd: every pair kept, in order, duplicates included. */
class PublishPropertiesTest {

    @Property(tries = 500)
    void everyUserPropertyIsKeptInTheDevicesOrder(@ForAll("userProperties") List<Map.Entry<String, String>> sent,
                                                 @ForAll("contentTypes") String contentType) {
        MqttProperties properties = new MqttProperties();
        MqttProperties.UserProperties user = new MqttProperties.UserProperties();
        sent.forEach(pair -> user.add(pair.getKey(), pair.getValue()));
        properties.add(user);
        if (contentType != null) {
            properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value(), contentType));
        }
        assertThat(PublishProperties.userProperties(properties)).containsExactlyElementsOf(sent);
        assertThat(PublishProperties.contentType(properties)).isEqualTo(contentType);
    }

    @Example
    void duplicateNamesAreAllKept() {
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.UserProperty("unit", "C"));
        properties.add(new MqttProperties.UserProperty("unit", "F"));
        assertThat(PublishProperties.userProperties(properties)).containsExactly(Map.entry("unit", "C"), Map.entry("unit", "F"));
        assertThat(PublishProperties.userProperties(MqttProperties.NO_PROPERTIES)).isEmpty();
        assertThat(PublishProperties.contentType(MqttProperties.NO_PROPERTIES)).isNull();
    }

    @Provide
    Arbitrary<List<Map.Entry<String, String>>> userProperties() {
        Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(20),
                Arbitraries.of("", "unit", "\u0000", "\uD800", "iot.device.id", "温度", "😀"),
                Arbitraries.integers().between(1000, 4000).map("ab/温"::repeat));
        return Combinators.combine(Arbitraries.of("unit", "a", ""), text, text)
                .as((common, name, value) -> Map.entry(name.isEmpty() ? common : name, value)).list().ofMaxSize(100);
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.strings().ofMaxLength(40),
                Arbitraries.of("application/json", ";", "text/plain; charset=utf-8"));
    }
}
