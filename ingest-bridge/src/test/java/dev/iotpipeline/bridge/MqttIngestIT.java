package dev.iotpipeline.bridge;

import static dev.iotpipeline.bridge.BridgeHarness.SECRET;
import static dev.iotpipeline.bridge.BridgeHarness.header;
import static dev.iotpipeline.bridge.BridgeHarness.withPayload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The MQTT listeners with real Paho 3.1.1 and 5 clients over TCP, TLS, WebSocket and secure WebSocket, on the real broker. */
class MqttIngestIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(3, Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER);
        harness = new BridgeHarness(kafka, dir, Map.of("max.payload.bytes", "4096"));
        for (String id : List.of("env-a", "env-b", "env-c", "env-tls", "env-ws", "env-raw", "env-order", "env-locked")) {
            harness.provision(id, "env-sensor");
        }
        harness.provision("trk-a", "gps-tracker");
        harness.disable("env-off", "env-sensor");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void aQos1PubackComesOnlyAfterKafkaHasTheRecord() throws Exception {
        MqttClient client = harness.v3("env-a");
        try (KafkaConsumer<byte[], byte[]> offsets = offsetReader()) {
            List<TopicPartition> partitions = partitions(Topics.RAW_ENV_SENSOR);
            long before = sum(offsets.endOffsets(partitions));
            for (int i = 1; i <= 20; i++) {
                client.publish("dt/env-sensor/env-a/v2", ("{\"ack\":" + i + "}").getBytes(StandardCharsets.UTF_8), 1, false);
                // The PUBACK is back: the record must already be past the high watermark, readable by any consumer.
                assertThat(sum(offsets.endOffsets(partitions))).as("records in Kafka after PUBACK %d", i).isGreaterThanOrEqualTo(before + i);
            }
        } finally {
            client.disconnect();
        }
    }

    @Test
    void aDeviceDisabledWhileConnectedIsDisconnectedAtItsNextPublishWhichIsNotAcknowledged() throws Exception {
        MqttClient client = harness.v3("env-locked");
        client.setTimeToWait(10_000);
        client.publish("dt/env-sensor/env-locked/v2", "{\"n\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
        try (KafkaConsumer<byte[], byte[]> offsets = offsetReader()) {
            List<TopicPartition> partitions = partitions(Topics.RAW_ENV_SENSOR);
            harness.disable("env-locked", "env-sensor");
            Thread.sleep(1_500); // the bridge looks at the registry file at most a second after it changed
            long before = sum(offsets.endOffsets(partitions));

            assertThatThrownBy(() -> client.publish("dt/env-sensor/env-locked/v2", "{\"n\":2}".getBytes(StandardCharsets.UTF_8), 1,
                    false)).isInstanceOf(MqttException.class);

            assertThat(client.isConnected()).isFalse();
            assertThat(sum(offsets.endOffsets(partitions))).as("nothing of it reached Kafka").isEqualTo(before);
            assertThat(v3Refusal("env-locked", "env-locked", SECRET)).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        }
    }

    @Test
    void pubacksGoOutInPublishOrderEvenAcrossPartitions() throws Exception {
        // Two rules to two topics: Kafka may answer them out of order; the device must not see that.
        MqttAsyncClient client = harness.v5("env-order");
        List<Integer> acked = Collections.synchronizedList(new ArrayList<>());
        List<Integer> sent = new ArrayList<>();
        List<IMqttToken> tokens = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            String topic = i % 2 == 0 ? "dt/env-sensor/env-order/v2" : "sensors/env-order/data";
            IMqttToken token = client.publish(topic, new MqttMessage(("order-" + i).getBytes(StandardCharsets.UTF_8), 1, false, null),
                    null, new MqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken done) {
                            acked.add(done.getMessageId());
                        }

                        @Override
                        public void onFailure(IMqttToken done, Throwable error) {
                            acked.add(-done.getMessageId());
                        }
                    });
            sent.add(token.getMessageId());
            tokens.add(token);
        }
        for (IMqttToken token : tokens) {
            token.waitForCompletion(20_000);
        }
        // A token completes just before its listener runs: wait for the last listener.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() == sent.size());
        assertThat(acked).containsExactlyElementsOf(sent);
        assertThat(withPayloadPrefix(harness.read(Topics.RAW_ENV_SENSOR, 90, Duration.ofSeconds(20)), "order-")).hasSize(90);
        client.disconnect().waitForCompletion(5_000);
    }

    @ParameterizedTest(name = "{0} {1} -> {4} {5}")
    @CsvSource({
        "3, dt/env-sensor/env-b/v2,  env-b, env-sensor,  iot.raw.env-sensor,  v2",
        "3, dt/env-sensor/env-b/v3,  env-b, env-sensor,  iot.raw.env-sensor,  v3",
        "3, sensors/env-b/data,      env-b, env-sensor,  iot.raw.env-sensor,  v1",
        "5, sensors/env-c/data,      env-c, env-sensor,  iot.raw.env-sensor,  v1",
        "5, dt/env-sensor/env-c/v2,  env-c, env-sensor,  iot.raw.env-sensor,  v2",
        "3, dt/gps-tracker/trk-a/v1, trk-a, gps-tracker, iot.raw.gps-tracker, v1",
        "5, dt/gps-tracker/trk-a/v2, trk-a, gps-tracker, iot.raw.gps-tracker, v2",
    })
    void mappingRulesGiveTheDocumentedTopicKeyAndHeaders(int mqttVersion, String mqttTopic, String device, String type,
                                                         String kafkaTopic, String version) throws Exception {
        String payload = "mapping-" + UUID.randomUUID();
        long before = System.currentTimeMillis();
        if (mqttVersion == 3) {
            MqttClient client = harness.v3(device);
            client.publish(mqttTopic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
            client.disconnect();
        } else {
            MqttAsyncClient client = harness.v5(device);
            MqttProperties properties = new MqttProperties();
            properties.setContentType("application/json");
            properties.setUserProperties(List.of(new UserProperty("fw", "2.3.1")));
            MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, false, properties);
            client.publish(mqttTopic, message).waitForCompletion(10_000);
            client.disconnect().waitForCompletion(5_000);
        }
        List<ConsumerRecord<String, byte[]>> found = withPayload(harness.read(kafkaTopic, 1, Duration.ofSeconds(2)), payload);
        assertThat(found).hasSize(1);
        ConsumerRecord<String, byte[]> record = found.get(0);
        assertThat(record.key()).isEqualTo(device);
        assertThat(header(record, TelemetryHeaders.DEVICE_ID)).isEqualTo(device);
        assertThat(header(record, TelemetryHeaders.DEVICE_TYPE)).isEqualTo(type);
        assertThat(header(record, TelemetryHeaders.FORMAT_VERSION)).isEqualTo(version);
        assertThat(header(record, TelemetryHeaders.PROTOCOL)).isEqualTo("mqtt");
        assertThat(header(record, TelemetryHeaders.MQTT_TOPIC)).isEqualTo(mqttTopic);
        assertThat(header(record, TelemetryHeaders.MQTT_QOS)).isEqualTo("1");
        assertThat(header(record, TelemetryHeaders.CLIENT_ID)).isEqualTo(device);
        assertThat(header(record, TelemetryHeaders.BRIDGE_INSTANCE)).isEqualTo("bridge-test");
        assertThat(Long.parseLong(header(record, TelemetryHeaders.RECEIVE_TIME))).isBetween(before, System.currentTimeMillis());
        if (mqttVersion == 5) {
            assertThat(header(record, TelemetryHeaders.CONTENT_TYPE)).isEqualTo("application/json");
            assertThat(header(record, TelemetryHeaders.USER_PROPERTY_PREFIX + "fw")).isEqualTo("2.3.1");
        } else {
            assertThat(header(record, TelemetryHeaders.CONTENT_TYPE)).isNull();
        }
    }

    @Test
    void wrongSecretsWrongClientIdsAndDisabledDevicesAreRefused() throws Exception {
        assertThat(v3Refusal("env-a", "env-a", "wrong")).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(v3Refusal("someone-else", "env-a", SECRET)).isEqualTo(MqttException.REASON_CODE_INVALID_CLIENT_ID);
        assertThat(v3Refusal("env-off", "env-off", SECRET)).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(v3Refusal("nobody", "nobody", SECRET)).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(v5Refusal("env-a", "wrong")).isEqualTo(0x86); // bad user name or password
        assertThat(v5Refusal("env-off", SECRET)).isEqualTo(0x86);
        assertThat(v3Refusal("env+a", "env-a", SECRET)).isEqualTo(MqttException.REASON_CODE_INVALID_CLIENT_ID);
    }

    @Test
    void aDeviceCannotPublishOrSubscribeAsAnother() throws Exception {
        String payload = "impostor-" + UUID.randomUUID();
        MqttAsyncClient v5 = harness.v5("env-a");
        IMqttToken refused = v5.publish("dt/env-sensor/env-b/v2", new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, false, null));
        refused.waitForCompletion(10_000);
        assertThat(refused.getReasonCodes()).containsExactly(0x87); // not authorized
        // Topics alternating on one connection: each is routed for what it is.
        for (String topic : new String[] {"dt/env-sensor/env-a/v2", "dt/env-sensor/env-b/v2", "dt/env-sensor/env-a/v2"}) {
            IMqttToken sent = v5.publish(topic, new MqttMessage("{}".getBytes(StandardCharsets.UTF_8), 1, false, null));
            sent.waitForCompletion(20_000);
            assertThat(sent.getReasonCodes()).as(topic).containsExactly(topic.contains("env-b") ? 0x87 : 0);
        }
        IMqttToken subscribed = v5.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
            new org.eclipse.paho.mqttv5.common.MqttSubscription("cmd/env-sensor/env-b/#", 1),
            new org.eclipse.paho.mqttv5.common.MqttSubscription("cmd/env-sensor/env-a/#", 1),
            new org.eclipse.paho.mqttv5.common.MqttSubscription("cmd/env-sensor/broadcast/#", 1),
            new org.eclipse.paho.mqttv5.common.MqttSubscription("cmd/#", 1)}, null, null, new MqttProperties());
        subscribed.waitForCompletion(10_000);
        assertThat(subscribed.getReasonCodes()).containsExactly(0x87, 1, 1, 0x87);
        v5.disconnect().waitForCompletion(5_000);

        MqttClient v3 = harness.v3("env-a");
        assertThatThrownBy(() -> v3.publish("dt/env-sensor/env-b/v2", payload.getBytes(StandardCharsets.UTF_8), 1, false))
                .isInstanceOf(MqttException.class);
        assertThat(v3.isConnected()).isFalse();
        assertThat(withPayload(harness.read(Topics.RAW_ENV_SENSOR, Integer.MAX_VALUE, Duration.ofSeconds(3)), payload)).isEmpty();
    }

    @Test
    void aSecondConnectionOfTheSameDeviceTakesTheSessionOver() throws Exception {
        MqttClient first = harness.v3("env-c");
        List<Throwable> lost = new java.util.concurrent.CopyOnWriteArrayList<>();
        first.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                lost.add(cause);
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttClient second = harness.v3("env-c");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !lost.isEmpty());
        second.publish("dt/env-sensor/env-c/v2", "{\"after\":\"takeover\"}".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(second.isConnected()).isTrue();
        second.disconnect();
    }

    @Test
    void tlsWebSocketAndSecureWebSocketCarryTheSameProtocol() throws Exception {
        for (String uri : List.of(harness.ssl(), harness.ws(), harness.wss())) {
            String payload = "transport-" + UUID.randomUUID();
            MqttClient client = harness.v3(uri, "env-ws", "env-ws", SECRET);
            client.publish("dt/env-sensor/env-ws/v2", payload.getBytes(StandardCharsets.UTF_8), 1, false);
            client.disconnect();
            List<ConsumerRecord<String, byte[]>> found = withPayload(harness.read(Topics.RAW_ENV_SENSOR, 1, Duration.ofSeconds(2)), payload);
            assertThat(found).as(uri).hasSize(1);
            assertThat(header(found.get(0), TelemetryHeaders.DEVICE_ID)).isEqualTo("env-ws");
        }
        MqttAsyncClient v5 = harness.v5(harness.wss(), "env-ws", SECRET);
        v5.publish("dt/env-sensor/env-ws/v2", new MqttMessage("{}".getBytes(StandardCharsets.UTF_8), 1, false, null)).waitForCompletion(10_000);
        v5.disconnect().waitForCompletion(5_000);
    }

    @Test
    void aClientCertificateNamingTheDeviceAuthenticatesItWithoutPassword() throws Exception {
        String payload = "mtls-" + UUID.randomUUID();
        MqttClient client = new MqttClient(harness.ssl(), "env-tls", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        var options = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        options.setSocketFactory(harness.certificates.clientSocketFactory(harness.certificates.issue("env-tls", false)));
        options.setHttpsHostnameVerificationEnabled(false);
        client.connect(options);
        client.publish("dt/env-sensor/env-tls/v2", payload.getBytes(StandardCharsets.UTF_8), 1, false);
        client.disconnect();
        assertThat(withPayload(harness.read(Topics.RAW_ENV_SENSOR, 1, Duration.ofSeconds(2)), payload)).hasSize(1);

        // A certificate for one device does not let its holder connect as another.
        MqttClient impostor = new MqttClient(harness.ssl(), "env-a", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        var impostorOptions = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        impostorOptions.setSocketFactory(harness.certificates.clientSocketFactory(harness.certificates.issue("env-tls", false)));
        impostorOptions.setHttpsHostnameVerificationEnabled(false);
        assertThatThrownBy(() -> impostor.connect(impostorOptions)).isInstanceOf(MqttException.class)
                .extracting(e -> ((MqttException) e).getReasonCode()).isEqualTo((int) MqttException.REASON_CODE_INVALID_CLIENT_ID);
    }

    @Test
    void qos2IsRefusedAndMqtt5IsToldTheServerLimits() throws Exception {
        MqttAsyncClient v5 = new MqttAsyncClient(harness.tcp(), "env-b", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        var options = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        options.setUserName("env-b");
        options.setPassword(SECRET.getBytes(StandardCharsets.UTF_8));
        IMqttToken connected = v5.connect(options);
        connected.waitForCompletion(10_000);
        MqttProperties server = connected.getResponseProperties();
        assertThat(server.getReceiveMaximum()).isEqualTo(100);
        assertThat(server.getMaximumQoS()).isEqualTo(1);
        assertThat(server.getMaximumPacketSize()).isEqualTo(4096 + 1024);
        assertThat(server.getTopicAliasMaximum()).isEqualTo(0);
        v5.disconnect().waitForCompletion(5_000);

        MqttClient v3 = harness.v3("env-b");
        assertThatThrownBy(() -> v3.publish("dt/env-sensor/env-b/v2", "{}".getBytes(StandardCharsets.UTF_8), 2, false))
                .isInstanceOf(MqttException.class);
        assertThat(v3.isConnected()).isFalse();
    }

    @Test
    void malformedAndOversizePacketsCloseTheConnectionAndHarmNothing() throws Exception {
        int port = harness.bridge.mqttPort();
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.pingreq()); // the first packet must be CONNECT
            assertThat(raw.closedByServer()).as("not CONNECT first").isTrue();
        }
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect("env-raw", "env-raw", SECRET));
            assertThat(raw.connack()).isZero();
            raw.send(RawMqtt.publish("dt/env-sensor/env-raw/v2".getBytes(StandardCharsets.UTF_8), new byte[6000]));
            assertThat(raw.closedByServer()).as("payload over max.payload.bytes").isTrue();
        }
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect("env-raw", "env-raw", SECRET));
            assertThat(raw.connack()).isZero();
            raw.send(RawMqtt.publish("dt/env-sensor/+/v2".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.closedByServer()).as("wildcard in a PUBLISH topic").isTrue();
        }
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect("env-raw", "env-raw", SECRET));
            assertThat(raw.connack()).isZero();
            raw.send(RawMqtt.publish(new byte[] {'d', 't', '/', (byte) 0xC3, (byte) 0x28}, "{}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.closedByServer()).as("invalid UTF-8 in the topic").isTrue();
        }
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect("env-raw", "env-raw", SECRET));
            assertThat(raw.connack()).isZero();
            raw.send(RawMqtt.publish(new byte[0], "{}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.closedByServer()).as("empty topic").isTrue();
        }
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect("env/raw", "env-raw", SECRET));
            assertThat(raw.connack()).as("'/' in a client id").isEqualTo(2);
        }
        // The bridge still serves everyone else.
        MqttClient client = harness.v3("env-raw");
        client.publish("dt/env-sensor/env-raw/v2", "{\"still\":\"fine\"}".getBytes(StandardCharsets.UTF_8), 1, false);
        client.disconnect();
    }

    @Test
    void aConnectionResetByTheDeviceIsADisconnectNotAMalformedPacket() throws Exception {
        double malformed = metric("iot_bridge_messages_refused_total{protocol=\"mqtt\",reason=\"malformed-packet\"}");
        double connections = metric("iot_bridge_mqtt_connections ");
        RawMqtt raw = new RawMqtt(harness.bridge.mqttPort());
        raw.send(RawMqtt.connect("env-raw", "env-raw", SECRET));
        assertThat(raw.connack()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("iot_bridge_mqtt_connections ") == connections + 1);
        raw.reset();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("iot_bridge_mqtt_connections ") == connections);
        assertThat(metric("iot_bridge_messages_refused_total{protocol=\"mqtt\",reason=\"malformed-packet\"}")).isEqualTo(malformed);
    }

    private static double metric(String prefix) throws Exception {
        return harness.management("/metrics").body().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static int v3Refusal(String clientId, String username, String secret) {
        try {
            harness.v3(harness.tcp(), clientId, username, secret).disconnect();
            return 0;
        } catch (Exception e) {
            return ((MqttException) e).getReasonCode();
        }
    }

    private static int v5Refusal(String id, String secret) {
        try {
            harness.v5(harness.tcp(), id, secret).disconnect();
            return 0;
        } catch (Exception e) {
            return ((org.eclipse.paho.mqttv5.common.MqttException) e).getReasonCode();
        }
    }

    private static List<ConsumerRecord<String, byte[]>> withPayloadPrefix(List<ConsumerRecord<String, byte[]>> records, String prefix) {
        return records.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).startsWith(prefix)).collect(Collectors.toList());
    }

    private static KafkaConsumer<byte[], byte[]> offsetReader() {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(String topic) {
        return List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }
}
