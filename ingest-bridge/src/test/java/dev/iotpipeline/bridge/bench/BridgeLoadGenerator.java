package dev.iotpipeline.bridge.bench;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import dev.iotpipeline.bridge.ingest.auth.PasswordHash;
import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.schemas.contract.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.tools.ProducerPerformance;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A bounded load run: an in-process broker, the bridge in front of it, {@code connections} real
 * Paho MQTT clients each publishing {@code messages / connections} messages of {@code payload}
 * bytes at {@code qos} with at most {@code window} unacknowledged, timing each PUBACK. Then, on the
 * same broker and record size, Kafka's own ProducerPerformance (acks=all, idempotent) as the
 * baseline. Arguments: connections messages payloadBytes qos window.
 */
public final class BridgeLoadGenerator {

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int payloadBytes = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int qos = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int window = args.length > 4 ? Integer.parseInt(args[4]) : 50;
        Path dir = Files.createTempDirectory("bridge-load-");
        try (KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"))).start(Duration.ofSeconds(60))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.RAW_ENV_SENSOR, 3, (short) 1), new NewTopic("baseline", 3, (short) 1)))
                        .all().get();
            }
            DeviceRegistry devices = new DeviceRegistry(dir.resolve("devices.json"));
            List<Device> all = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                all.add(new Device(String.format("load-%05d", i), "env-sensor", PasswordHash.hash("secret", 1_000), true));
            }
            devices.putAll(all);
            IngestBridge bridge = IngestBridge.start(BridgeConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "devices.file", dir.resolve("devices.json").toString(), "mqtt.host", "127.0.0.1", "http.host", "127.0.0.1",
                    "mqtt.port", "0", "http.port", "0", "max.messages.per.second.per.device", "0",
                    "mqtt.receive.maximum", Integer.toString(Math.max(window, 100)))));
            try {
                runMqtt(bridge.mqttPort(), all, messages / connections, payloadBytes, qos, window);
            } finally {
                bridge.close();
            }
            System.out.printf("%nBaseline, same broker and record size: Kafka ProducerPerformance (acks=all, idempotent, linger.ms=5, lz4)%n");
            ProducerPerformance.main(new String[] {"--topic", "baseline", "--num-records", Integer.toString(messages),
                "--record-size", Integer.toString(payloadBytes), "--throughput", "-1", "--producer-props",
                "bootstrap.servers=" + broker.bootstrapServers(), "acks=all", "enable.idempotence=true", "linger.ms=5",
                "compression.type=lz4"});
        }
    }

    private static void runMqtt(int port, List<Device> devices, int perConnection, int payloadBytes, int qos, int window)
            throws Exception {
        List<MqttAsyncClient> clients = new ArrayList<>();
        for (Device device : devices) {
            MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + port, device.id(), new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setUserName(device.id());
            options.setPassword("secret".toCharArray());
            options.setMaxInflight(window);
            client.connect(options).waitForCompletion(30_000);
            clients.add(client);
        }
        int total = perConnection * devices.size();
        long[] latencies = new long[total];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'x');
        System.out.printf("MQTT load: %d connections x %d messages of %d bytes, QoS %d, in-flight window %d%n", devices.size(),
                perConnection, payloadBytes, qos, window);
        long started = System.nanoTime();
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            MqttAsyncClient client = clients.get(c);
            String topic = "dt/env-sensor/" + devices.get(c).id() + "/v2";
            Thread sender = new Thread(() -> {
                Semaphore inflight = new Semaphore(window);
                for (int m = 0; m < perConnection; m++) {
                    try {
                        inflight.acquire();
                        long sent = System.nanoTime();
                        MqttMessage message = new MqttMessage(payload);
                        message.setQos(qos);
                        client.publish(topic, message, null, new IMqttActionListener() {
                            @Override
                            public void onSuccess(IMqttToken token) {
                                latencies[next.getAndIncrement()] = System.nanoTime() - sent;
                                inflight.release();
                                done.countDown();
                            }

                            @Override
                            public void onFailure(IMqttToken token, Throwable error) {
                                failed.incrementAndGet();
                                inflight.release();
                                done.countDown();
                            }
                        });
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        inflight.release();
                        done.countDown();
                    }
                }
            });
            sender.start();
            senders.add(sender);
        }
        boolean finished = done.await(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - started) / 1e9;
        int acked = next.get();
        long[] sorted = Arrays.copyOf(latencies, acked);
        Arrays.sort(sorted);
        System.out.printf("bridge (MQTT %s -> Kafka acks=all): %,.0f msg/s (%,d acknowledged, %d failed in %.1f s%s); "
                        + "PUBACK latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", qos == 1 ? "QoS 1" : "QoS 0", acked / seconds, acked,
                failed.get(), seconds, finished ? "" : ", TIMED OUT", percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
        for (MqttAsyncClient client : clients) {
            client.disconnect().waitForCompletion(5_000);
        }
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
}
