package dev.iotpipeline.bridge.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.bridge.ingest.routing.Route;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The Kafka record of any message a device can send: the contract's headers, every user property
 * once in order, and no more header bytes than the message brought plus the fixed headers, so the
 * record stays within what the listener's packet limit let in.
 */
class TelemetryRecordsTest {

    /** The fixed headers' names and values, generously: ids, type, version, protocol, QoS, time, instance. */
    private static final int FIXED_HEADER_BYTES = 1024;

    @Property(tries = 300)
    void headersMirrorTheMessageAndStayBounded(@ForAll("messages") RawPublisher.Received message) {
        ProducerRecord<byte[], byte[]> record = TelemetryRecords.record(message, new byte[] {1}, "bridge-1");

        assertThat(record.key()).isEqualTo(bytes(message.route().deviceId()));
        assertThat(record.topic()).isEqualTo(message.route().kafkaTopic());
        assertThat(value(record, TelemetryHeaders.MQTT_TOPIC)).isEqualTo(bytes(message.mqttTopic()));
        List<Map.Entry<String, byte[]>> user = new ArrayList<>();
        long headerBytes = 0;
        for (Header header : record.headers()) {
            headerBytes += bytes(header.key()).length + header.value().length;
            if (header.key().startsWith(TelemetryHeaders.USER_PROPERTY_PREFIX)) {
                user.add(Map.entry(header.key().substring(TelemetryHeaders.USER_PROPERTY_PREFIX.length()), header.value()));
            }
        }
        assertThat(user).hasSameSizeAs(message.userProperties());
        for (int i = 0; i < user.size(); i++) {
            assertThat(user.get(i).getKey()).isEqualTo(message.userProperties().get(i).getKey());
            assertThat(user.get(i).getValue()).isEqualTo(bytes(message.userProperties().get(i).getValue()));
        }
        long brought = bytes(message.mqttTopic()).length + bytes(message.clientId()).length + bytes(message.contentType()).length
                + bytes(message.route().deviceId()).length + bytes(message.route().deviceType()).length
                + bytes(message.route().version()).length;
        for (Map.Entry<String, String> property : message.userProperties()) {
            brought += TelemetryHeaders.USER_PROPERTY_PREFIX.length() + bytes(property.getKey()).length + bytes(property.getValue()).length;
        }
        assertThat(headerBytes).isLessThanOrEqualTo(brought + FIXED_HEADER_BYTES);
    }

    private static byte[] value(ProducerRecord<byte[], byte[]> record, String key) {
        return record.headers().lastHeader(key).value();
    }

    private static byte[] bytes(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<RawPublisher.Received> messages() {
        Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(30),
                Arbitraries.of("", "\u0000", "\uD800", "温度", "😀", "iot.device.id"),
                Arbitraries.integers().between(1000, 4000).map("ab/温"::repeat));
        Arbitrary<List<Map.Entry<String, String>>> user = Combinators.combine(text, text).as(Map::entry).list().ofMaxSize(50);
        Arbitrary<Route> route = Combinators.combine(text, text, text).as((id, type, version) -> new Route("dev-" + id, type, version,
                "iot.raw.x"));
        return Combinators.combine(route, Arbitraries.of("mqtt", "http"), text, Arbitraries.of(null, 0, 1), text.injectNull(0.3),
                text.injectNull(0.3), user).as((r, protocol, topic, qos, clientId, contentType, properties) ->
                new RawPublisher.Received(r, protocol, topic, qos, clientId, 1_700_000_000_000L, contentType, properties));
    }
}
