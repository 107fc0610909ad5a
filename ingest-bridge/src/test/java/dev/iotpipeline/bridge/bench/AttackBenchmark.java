package dev.iotpipeline.bridge.bench;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import dev.iotpipeline.bridge.ingest.auth.PasswordHash;
import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.schemas.contract.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The fleet under attack, bounded in count and time. One in-process broker; twice a fresh bridge
 * with the default limits (so no secret is verified yet, as after a restart, and every device's
 * first connection costs a real PBKDF2 check of 100,000 iterations): a fleet of Paho MQTT 3.1.1
 * devices connects at once, then publishes QoS 1 with an in-flight window, every PUBACK timed.
 * After a warm-up run (not counted), one run is quiet; in the next, from other loopback addresses, password guessers flood
 * wrong secrets (for a provisioned device outside the fleet, and for unknown ids) and slow clients
 * hold connections open (silent, and trickling a CONNECT one byte at a time), reopening whatever
 * the bridge closes. Prints both runs, their ratio, and what the attackers got.
 * Arguments: devices messages payloadBytes window guessers slowClients.
 */
public final class AttackBenchmark {

    private static final String SECRET = "fleet-secret";

    record Run(double connectSeconds, double messagesPerSecond, double p99Millis, int acknowledged, int failed) {
    }

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int payloadBytes = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int window = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        int guessers = args.length > 4 ? Integer.parseInt(args[4]) : 6;
        int slowClients = args.length > 5 ? Integer.parseInt(args[5]) : 600;
        Path dir = Files.createTempDirectory("bridge-attack-");
        try (KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"))).start(Duration.ofSeconds(60))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.RAW_ENV_SENSOR, 3, (short) 1))).all().get();
            }
            DeviceRegistry registry = new DeviceRegistry(dir.resolve("devices.json"));
            List<String> fleet = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                fleet.add(String.format("fleet-%05d", i));
                registry.put(new Device(fleet.get(i), "env-sensor", PasswordHash.hash(SECRET, PasswordHash.DEFAULT_ITERATIONS), true));
            }
            registry.put(new Device("victim-0001", "env-sensor", PasswordHash.hash("the-victims-secret", PasswordHash.DEFAULT_ITERATIONS), true));
            Map<String, String> config = Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "devices.file", dir.resolve("devices.json").toString(), "mqtt.host", "127.0.0.1", "http.host", "127.0.0.1",
                    "mqtt.port", "0", "http.port", "0", "management.port", "-1", "max.messages.per.second.per.device", "0",
                    "mqtt.receive.maximum", Integer.toString(Math.max(window, 100)));
            System.out.printf("Fleet: %d devices (secrets not yet verified), %d QoS 1 messages of %d bytes, window %d; attack: %d "
                    + "password guessers, %d slow connections%n", devices, messages, payloadBytes, window, guessers, slowClients);
            try (IngestBridge bridge = IngestBridge.start(BridgeConfig.of(config))) {
                print("warm-up", fleet(bridge.mqttPort(), fleet, messages / devices, payloadBytes, window)); // JIT, not counted
            }
            Run quiet;
            try (IngestBridge bridge = IngestBridge.start(BridgeConfig.of(config))) {
                quiet = fleet(bridge.mqttPort(), fleet, messages / devices, payloadBytes, window);
            }
            print("quiet", quiet);
            Run attacked;
            try (IngestBridge bridge = IngestBridge.start(BridgeConfig.of(config));
                 Attack attack = new Attack(bridge.mqttPort(), guessers, slowClients)) {
                attack.start();
                // The attack is in full swing before the fleet arrives, past the first CONNECT deadline (10 s).
                Thread.sleep(11_000);
                attacked = fleet(bridge.mqttPort(), fleet, messages / devices, payloadBytes, window);
                attack.report();
                System.out.println("bridge's refusals during the attack run:");
                bridge.meters().scrape().lines()
                        .filter(line -> line.startsWith("iot_bridge_messages_refused_total") || line.startsWith("iot_bridge_security_refusals_total"))
                        .forEach(line -> System.out.println("  " + line));
            }
            print("under attack", attacked);
            System.out.printf("under attack / quiet: connect time %.2fx, msg/s %.2fx, PUBACK p99 %.2fx%n",
                    attacked.connectSeconds() / quiet.connectSeconds(), attacked.messagesPerSecond() / quiet.messagesPerSecond(),
                    attacked.p99Millis() / quiet.p99Millis());
        }
    }

    private static void print(String name, Run run) {
        System.out.printf("%-13s fleet connected in %.2f s; %,.0f msg/s (%,d acknowledged, %d failed); PUBACK p99 %.1f ms%n", name,
                run.connectSeconds(), run.messagesPerSecond(), run.acknowledged(), run.failed(), run.p99Millis());
    }

    /** The fleet connects at once (each device's first connection since the bridge started), then publishes. */
    private static Run fleet(int port, List<String> ids, int perDevice, int payloadBytes, int window) throws Exception {
        List<MqttAsyncClient> clients = new ArrayList<>();
        List<IMqttToken> connecting = new ArrayList<>();
        long started = System.nanoTime();
        for (String id : ids) {
            MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setUserName(id);
            options.setPassword(SECRET.toCharArray());
            options.setMaxInflight(window);
            options.setConnectionTimeout(60);
            connecting.add(client.connect(options));
            clients.add(client);
        }
        for (IMqttToken token : connecting) {
            token.waitForCompletion(120_000);
        }
        double connectSeconds = (System.nanoTime() - started) / 1e9;
        int total = perDevice * clients.size();
        long[] latencies = new long[total];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'x');
        long publishing = System.nanoTime();
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            MqttAsyncClient client = clients.get(c);
            String topic = "dt/env-sensor/" + ids.get(c) + "/v2";
            Thread sender = new Thread(() -> {
                Semaphore inflight = new Semaphore(window);
                for (int m = 0; m < perDevice; m++) {
                    try {
                        inflight.acquire();
                        long sent = System.nanoTime();
                        MqttMessage message = new MqttMessage(payload);
                        message.setQos(1);
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
        done.await(5, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - publishing) / 1e9;
        int acked = next.get();
        long[] sorted = Arrays.copyOf(latencies, acked);
        Arrays.sort(sorted);
        for (MqttAsyncClient client : clients) {
            client.disconnect().waitForCompletion(5_000);
            client.close();
        }
        double p99 = sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] / 1e6;
        return new Run(connectSeconds, acked / seconds, p99, acked, failed.get());
    }

    /** The attackers, each on its own thread with its own loopback source address, until closed. */
    private static final class Attack implements AutoCloseable {

        private final int port;
        private final int guessers;
        private final int slowClients;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final LongAdder guesses = new LongAdder();
        private final Map<Integer, LongAdder> connacks = new ConcurrentHashMap<>();
        private final LongAdder slowOpened = new LongAdder();
        private final LongAdder slowCut = new LongAdder();
        private final LongAdder slowCompleted = new LongAdder();

        Attack(int port, int guessers, int slowClients) {
            this.port = port;
            this.guessers = guessers;
            this.slowClients = slowClients;
        }

        void start() {
            for (int g = 0; g < guessers; g++) {
                String from = "127.0.1." + (1 + g);
                boolean victim = g % 2 == 0;
                threads.add(daemon(() -> guess(from, victim)));
            }
            // Slow clients from a few addresses, half silent, half trickling; a thread each (they mostly wait).
            for (int s = 0; s < slowClients; s++) {
                String from = "127.0.2." + (1 + s % 4);
                boolean trickle = s % 2 == 1;
                threads.add(daemon(() -> holdSlow(from, trickle)));
            }
        }

        private static Thread daemon(Runnable task) {
            Thread thread = new Thread(task);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        /** Wrong secrets as fast as the bridge answers, each on a new connection. */
        private void guess(String from, boolean victim) {
            for (long attempt = 0; running.get(); attempt++) {
                String id = victim ? "victim-0001" : "nobody-" + from + "-" + attempt;
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(from), 0)) {
                    socket.setSoTimeout(30_000);
                    socket.getOutputStream().write(connect(id, "guess-" + attempt));
                    byte[] answer = socket.getInputStream().readNBytes(4);
                    guesses.increment();
                    connacks.computeIfAbsent(answer.length == 4 ? (int) answer[3] : -1, k -> new LongAdder()).increment();
                } catch (IOException e) {
                    connacks.computeIfAbsent(-1, k -> new LongAdder()).increment();
                }
            }
        }

        /** Holds a connection that never authenticates; when the bridge closes it, opens another. */
        private void holdSlow(String from, boolean trickle) {
            byte[] connect = connect("slow-" + from, "x".repeat(200));
            while (running.get()) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(from), 0)) {
                    slowOpened.increment();
                    socket.setSoTimeout(500);
                    InputStream in = socket.getInputStream();
                    for (int sent = 0; running.get(); ) {
                        if (trickle && sent < connect.length - 1) {
                            socket.getOutputStream().write(connect[sent++]);
                        }
                        try {
                            if (in.read() < 0) {
                                slowCut.increment();
                                sleepQuietly(200); // then try again, as a patient attacker would
                                break;
                            }
                            slowCompleted.increment(); // the bridge answered: it should never get that far
                            break;
                        } catch (SocketTimeoutException e) {
                            // still open: go on
                        }
                    }
                } catch (IOException e) {
                    slowCut.increment();
                    sleepQuietly(200);
                }
            }
        }

        void report() {
            System.out.printf("attackers: %,d wrong-secret CONNECTs answered (CONNACK codes %s; 4 = bad user name or password, "
                            + "3 = server unavailable: throttled, -1 = closed), %,d slow connections opened, %,d of them cut by the "
                            + "bridge, %d answered%n", guesses.sum(), new TreeMap<>(connacks), slowOpened.sum(), slowCut.sum(),
                    slowCompleted.sum());
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(5_000);
            }
        }

        private static void sleepQuietly(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A CONNECT (MQTT 3.1.1, clean session, user name and password). */
    static byte[] connect(String clientId, String password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(4);
        body.write(0xC2);
        body.write(0);
        body.write(60);
        writeString(body, clientId);
        writeString(body, clientId);
        writeString(body, password);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        int length = body.size();
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }
}
