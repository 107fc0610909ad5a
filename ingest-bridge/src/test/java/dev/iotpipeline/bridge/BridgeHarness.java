package dev.iotpipeline.bridge;

import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/** A bridge on free ports in front of a test's Kafka, with its devices, MQTT clients and a raw-topic reader. */
final class BridgeHarness implements AutoCloseable {

    static final String SECRET = "s3cret-for-tests";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final KafkaFixture kafka;
    final Path dir;
    final DeviceProvisioning devices;
    final TestCertificates certificates;
    final IngestBridge bridge;

    BridgeHarness(KafkaFixture kafka, Path dir, Map<String, String> overrides) throws Exception {
        this.kafka = kafka;
        this.dir = dir;
        this.devices = new DeviceProvisioning(dir.resolve("devices.json"));
        this.certificates = new TestCertificates();
        certificates.writeServerPem(dir);
        Map<String, String> config = new HashMap<>();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.put("instance.id", "bridge-test");
        config.put("devices.file", dir.resolve("devices.json").toString());
        for (String key : List.of("mqtt.port", "http.port", "mqtt.tls.port", "https.port", "management.port")) {
            config.put(key, "0");
        }
        config.put("mqtt.host", "127.0.0.1");
        config.put("http.host", "127.0.0.1");
        config.put("tls.cert.file", dir.resolve("cert.pem").toString());
        config.put("tls.key.file", dir.resolve("key.pem").toString());
        config.put("tls.ca.file", dir.resolve("ca.pem").toString());
        config.put("tls.client.auth", "request");
        config.putAll(overrides);
        this.bridge = IngestBridge.start(BridgeConfig.of(config));
    }

    /** Provisions an enabled device with {@link #SECRET} (few PBKDF2 iterations: tests only). */
    void provision(String id, String type) throws IOException {
        devices.put(id, type, SECRET, 1_000);
    }

    void disable(String id, String type) throws IOException {
        devices.put(id, type, SECRET, 1_000);
        devices.disable(id);
    }

    String tcp() {
        return "tcp://127.0.0.1:" + bridge.mqttPort();
    }

    String ws() {
        return "ws://127.0.0.1:" + bridge.httpPort() + "/mqtt";
    }

    String ssl() {
        return "ssl://127.0.0.1:" + bridge.mqttTlsPort();
    }

    String wss() {
        return "wss://127.0.0.1:" + bridge.httpsPort() + "/mqtt";
    }

    /** A GET on the management listener (health, metrics). */
    HttpResponse<String> management(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.managementPort() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** An MQTT 3.1.1 client connected as {@code id} with {@code secret}. */
    MqttClient v3(String uri, String id, String username, String secret) throws Exception {
        MqttClient client = new MqttClient(uri, id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        options.setMaxInflight(200);
        if (username != null) {
            options.setUserName(username);
        }
        if (secret != null) {
            options.setPassword(secret.toCharArray());
        }
        if (uri.startsWith("ssl") || uri.startsWith("wss")) {
            options.setSocketFactory(certificates.clientSocketFactory(null));
            options.setHttpsHostnameVerificationEnabled(false);
        }
        client.setTimeToWait(20_000);
        client.connect(options);
        return client;
    }

    MqttClient v3(String id) throws Exception {
        return v3(tcp(), id, id, SECRET);
    }

    /** An MQTT 5 client connected as {@code id}. */
    MqttAsyncClient v5(String uri, String id, String secret) throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(uri, id, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        options.setUserName(id);
        if (secret != null) {
            options.setPassword(secret.getBytes(StandardCharsets.UTF_8));
        }
        if (uri.startsWith("ssl") || uri.startsWith("wss")) {
            options.setSocketFactory(certificates.clientSocketFactory(null));
            options.setHttpsHostnameVerificationEnabled(false);
        }
        client.connect(options).waitForCompletion(20_000);
        return client;
    }

    MqttAsyncClient v5(String id) throws Exception {
        return v5(tcp(), id, SECRET);
    }

    /** Everything on {@code topic} from the beginning, waiting until at least {@code atLeast} records arrived. */
    List<ConsumerRecord<String, byte[]>> read(String topic, int atLeast, Duration timeout) {
        Map<String, Object> config = kafka.consumerConfig("reader-" + UUID.randomUUID());
        config.put("isolation.level", "read_uncommitted");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** Records on {@code topic} whose payload is exactly {@code payload}. */
    static List<ConsumerRecord<String, byte[]>> withPayload(List<ConsumerRecord<String, byte[]>> records, String payload) {
        return records.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).equals(payload)).toList();
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        bridge.close();
    }
}
