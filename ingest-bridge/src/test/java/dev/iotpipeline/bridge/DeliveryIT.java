package dev.iotpipeline.bridge;

import static dev.iotpipeline.bridge.BridgeHarness.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.schemas.shadow.ShadowState;
import dev.iotpipeline.testing.KafkaFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Commands and shadows from Kafka to devices, through two bridge instances, with real Paho clients. */
class DeliveryIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.withRegistry();

    @TempDir
    static Path dir;

    static BridgeHarness one;
    static BridgeHarness two;

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(3, Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER, Topics.COMMANDS, Topics.COMMAND_STATUS, Topics.SHADOW,
                Topics.SHADOW_REPORTED);
        Files.createDirectories(dir.resolve("one"));
        Files.createDirectories(dir.resolve("two"));
        Map<String, String> fanOut = Map.of("schema.registry.url", kafka.registryUrl(), "commands.rate.per.second", "500");
        one = new BridgeHarness(kafka, dir.resolve("one"), with(fanOut, "instance.id", "bridge-one"));
        // Both instances share one device registry, as replicas behind one load balancer do.
        two = new BridgeHarness(kafka, dir.resolve("two"), with(with(fanOut, "instance.id", "bridge-two"), "devices.file",
                dir.resolve("one").resolve("devices.json").toString()));
        for (String id : List.of("env-a", "env-b", "env-c", "env-d", "env-e", "env-f", "env-g", "env-h", "env-http")) {
            one.provision(id, "env-sensor");
        }
        one.provision("trk-a", "gps-tracker");
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
    }

    @Test
    void aCommandForOneDeviceReachesItAndNoOtherAndIsRecordedAsDelivered() throws Exception {
        List<String> toA = new CopyOnWriteArrayList<>();
        List<String> toB = new CopyOnWriteArrayList<>();
        MqttClient a = subscribed(one, "env-a", "cmd/env-sensor/env-a/#", toA);
        MqttClient b = subscribed(one, "env-b", "cmd/env-sensor/env-b/#", toB);
        Command command = command(CommandTarget.DEVICE, "env-a", "env-sensor", "reboot", "{\"delay_s\":5}", Duration.ofMinutes(5));
        send(Topics.COMMANDS, command.getCommandId(), command);
        await().atMost(Duration.ofSeconds(20)).until(() -> toA.size() == 1);
        assertThat(toA).containsExactly("cmd/env-sensor/env-a/reboot {\"delay_s\":5}");
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses(command.getCommandId()).contains("env-a DELIVERED"));
        assertThat(toB).isEmpty();
        a.disconnect();
        b.disconnect();
    }

    @Test
    void aBroadcastReachesEveryConnectedDeviceOfTheTypeOnEveryInstanceOnce() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        List<MqttClient> clients = List.of(
                subscribed(one, "env-c", "cmd/env-sensor/broadcast/#", received),
                subscribed(one, "env-d", "cmd/env-sensor/broadcast/#", received),
                subscribed(two, "env-e", "cmd/env-sensor/broadcast/#", received),
                subscribed(two, "env-f", "cmd/env-sensor/broadcast/#", received),
                subscribed(two, "trk-a", "cmd/gps-tracker/broadcast/#", received));
        Command command = command(CommandTarget.DEVICE_TYPE, null, "env-sensor", "set-interval", "{\"interval_s\":30}",
                Duration.ofMinutes(5));
        send(Topics.COMMANDS, command.getCommandId(), command);
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses(command.getCommandId()).size() == 4);
        assertThat(statuses(command.getCommandId())).containsExactlyInAnyOrder("env-c DELIVERED", "env-d DELIVERED",
                "env-e DELIVERED", "env-f DELIVERED");
        assertThat(received).hasSize(4).allMatch(m -> m.equals("cmd/env-sensor/broadcast/set-interval {\"interval_s\":30}"));
        for (MqttClient client : clients) {
            client.disconnect();
        }
    }

    @Test
    void anOfflineDeviceGetsItsUnexpiredCommandsWhenItSubscribesAndNeverAnExpiredOne() throws Exception {
        Command late = command(CommandTarget.DEVICE, "env-g", "env-sensor", "calibrate", "{}", Duration.ofMinutes(5));
        Command stale = command(CommandTarget.DEVICE, "env-g", "env-sensor", "too-late", "{}", Duration.ofSeconds(1));
        send(Topics.COMMANDS, late.getCommandId(), late);
        send(Topics.COMMANDS, stale.getCommandId(), stale);
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses(stale.getCommandId()).contains("env-g EXPIRED"));

        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient g = subscribed(two, "env-g", "cmd/env-sensor/env-g/#", received);
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);
        assertThat(received).containsExactly("cmd/env-sensor/env-g/calibrate {}");
        g.disconnect();

        // Delivered once: reconnecting (to the other instance) does not repeat it.
        List<String> again = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses(late.getCommandId()).contains("env-g DELIVERED"));
        MqttClient reconnected = subscribed(one, "env-g", "cmd/env-sensor/env-g/#", again);
        Command marker = command(CommandTarget.DEVICE, "env-g", "env-sensor", "marker", "{}", Duration.ofMinutes(5));
        send(Topics.COMMANDS, marker.getCommandId(), marker);
        await().atMost(Duration.ofSeconds(20)).until(() -> !again.isEmpty());
        assertThat(again).containsExactly("cmd/env-sensor/env-g/marker {}");
        reconnected.disconnect();
    }

    @Test
    void shadowDeltasArriveOnSubscribeAndOnEveryNewVersionInVersionOrderAndReportsReachKafka() throws Exception {
        send(Topics.SHADOW, "env-h", shadow("env-h", 1, "{\"a\":1}"));
        send(Topics.SHADOW, "env-h", shadow("env-h", 2, "{\"a\":1,\"b\":2}"));
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient h = subscribed(one, "env-h", "shadow/env-sensor/env-h/#", received);
        String v2 = "shadow/env-sensor/env-h/delta {\"version\":2,\"delta\":{\"a\":1,\"b\":2}}";
        await().atMost(Duration.ofSeconds(20)).until(() -> received.contains(v2));
        send(Topics.SHADOW, "env-h", shadow("env-h", 3, "{\"b\":3}"));
        send(Topics.SHADOW, "env-h", shadow("env-h", 2, "{\"stale\":true}")); // an older version is ignored
        send(Topics.SHADOW, "env-h", shadow("env-h", 4, "{}")); // in sync: nothing to send
        send(Topics.SHADOW, "env-h", shadow("env-h", 5, "{\"c\":5}"));
        String v5 = "shadow/env-sensor/env-h/delta {\"version\":5,\"delta\":{\"c\":5}}";
        await().atMost(Duration.ofSeconds(20)).until(() -> received.contains(v5));
        // Whether the device subscribed before or after the bridge read version 1: versions only go up, and end 2, 3, 5.
        List<Long> versions = received.stream().map(m -> new JsonObject(m.substring(m.indexOf(' ') + 1)).getLong("version")).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates().endsWith(2L, 3L, 5L);
        assertThat(received).doesNotContain("shadow/env-sensor/env-h/delta {\"version\":2,\"delta\":{\"stale\":true}}");

        h.publish("shadow/env-sensor/env-h/reported", "{\"a\":1,\"b\":3}".getBytes(StandardCharsets.UTF_8), 1, false);
        var reports = one.read(Topics.SHADOW_REPORTED, 1, Duration.ofSeconds(10));
        ShadowState report = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(kafka.registryUrl()), ShadowState.class)
                .deserialize(Topics.SHADOW_REPORTED, reports.get(reports.size() - 1).value());
        assertThat(report.getDeviceId()).isEqualTo("env-h");
        assertThat(report.getDeviceType()).isEqualTo("env-sensor");
        assertThat(report.getState()).isEqualTo("{\"a\":1,\"b\":3}");
        h.disconnect();
    }

    @Test
    void anHttpTelemetryResponseCarriesPendingCommandsAndTheShadowDeltaOnce() throws Exception {
        Command command = command(CommandTarget.DEVICE, "env-http", "env-sensor", "reboot", "{\"now\":true}", Duration.ofMinutes(5));
        send(Topics.COMMANDS, command.getCommandId(), command);
        send(Topics.SHADOW, "env-http", shadow("env-http", 7, "{\"interval_s\":60}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !post().getJsonArray("commands").isEmpty());
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses(command.getCommandId()).contains("env-http DELIVERED"));
        JsonObject next = post();
        assertThat(next.getJsonArray("commands")).as("delivered once").isEmpty();
        assertThat(next.getJsonObject("shadow").encode()).isEqualTo("{\"version\":7,\"delta\":{\"interval_s\":60}}");
    }

    private static JsonObject post() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + one.bridge.httpPort() + "/v1/telemetry/env-sensor/env-http/v2")).header("Authorization", "Bearer " + SECRET)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    private static MqttClient subscribed(BridgeHarness bridge, String id, String filter, List<String> received) throws Exception {
        MqttClient client = bridge.v3(bridge.tcp(), id, id, SECRET);
        client.subscribe(filter, 1, (topic, message) -> received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8)));
        return client;
    }

    private static Command command(CommandTarget target, String deviceId, String type, String name, String payload, Duration ttl) {
        Instant now = Instant.now();
        return Command.newBuilder().setCommandId(UUID.randomUUID().toString()).setTarget(target).setDeviceId(deviceId)
                .setDeviceType(type).setName(name).setPayload(payload).setCreatedTime(now).setExpiresTime(now.plus(ttl))
                .setMaxRatePerSecond(null).build();
    }

    private static DeviceShadow shadow(String deviceId, long version, String delta) {
        return DeviceShadow.newBuilder().setDeviceId(deviceId).setDeviceType("env-sensor").setVersion(version).setReported("{}")
                .setDesired(delta).setDelta(delta).setUpdatedTime(Instant.now()).build();
    }

    private static <T extends SpecificRecord> void send(String topic, String key, T value) throws Exception {
        var serializer = new ConfluentAvroSerializer<T>(RestSchemaRegistryClient.forUrl(kafka.registryUrl()));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, serializer.serialize(topic, value))).get();
        }
    }

    /** "device STATUS" for each status of a command on the status topic. */
    private static List<String> statuses(String commandId) {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(kafka.registryUrl()), CommandStatus.class);
        return one.read(Topics.COMMAND_STATUS, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream().filter(r -> commandId.equals(r.key()))
                .map(r -> deserializer.deserialize(r.topic(), r.value())).map(s -> s.getDeviceId() + " " + s.getStatus()).toList();
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> copy = new java.util.HashMap<>(base);
        copy.put(key, value);
        return copy;
    }
}
