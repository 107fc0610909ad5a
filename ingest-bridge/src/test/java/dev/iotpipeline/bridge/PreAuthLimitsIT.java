package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Connections that never authenticate, against a real bridge over raw sockets (TCP, TLS, and MQTT
 * over WebSocket through the relay) from other loopback source addresses (127.0.0.x), with honest
 * Paho devices from 127.0.0.1: past the per-address and total limits of connections not yet
 * authenticated, the surplus one is closed at accept; a client trickling its CONNECT is cut at the
 * deadline counted from accept; authenticated devices no longer count and keep connecting; a
 * client refused again and again under new client ids is warned about once.
 */
class PreAuthLimitsIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    /** A deadline far beyond any read here, so a connection closed at once was closed by a limit, not by the deadline. */
    static BridgeHarness harness;

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(1, Topics.RAW_ENV_SENSOR);
        harness = new BridgeHarness(kafka, dir, Map.of("max.pending.connections.per.address", "3", "max.pending.connections", "8",
                "mqtt.connect.timeout.s", "60"));
        for (int i = 0; i < 6; i++) {
            harness.provision("env-honest-" + i, "env-sensor");
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @BeforeEach
    void nothingPending() {
        await().atMost(Duration.ofSeconds(20)).until(() -> pending(harness) == 0);
    }

    @Test
    void anAddressPastItsPendingLimitHasTheSurplusConnectionClosedOnEveryListener() throws Exception {
        List<RawMqtt> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(RawMqtt.from("127.0.0.2", harness.bridge.mqttPort()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> pending(harness) == 3);
            try (RawMqtt tcp = RawMqtt.from("127.0.0.2", harness.bridge.mqttPort());
                 RawMqtt tls = new RawMqtt(tls("127.0.0.2"));
                 WebSocketClient ws = WebSocketClient.open("127.0.0.2", harness.bridge.httpPort())) {
                assertThat(tcp.closedByServer()).as("TCP").isTrue();
                assertThat(tls.closedByServer()).as("TLS").isTrue();
                assertThat(ws.closedByServer()).as("WebSocket, through the relay with the real address").isTrue();
            }
            for (RawMqtt connection : held) {
                assertThat(connection.stillOpen()).as("the first three wait for their deadline").isTrue();
            }
            assertThat(refusals(harness, "too-many-pending-connections-from-address")).isGreaterThanOrEqualTo(3);
        } finally {
            closeAll(held);
        }
    }

    @Test
    void pastTheTotalPendingLimitEveryAddressIsRefusedUntilOneCloses() throws Exception {
        List<RawMqtt> held = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                held.add(RawMqtt.from("127.0.0." + (10 + i / 3), harness.bridge.mqttPort()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> pending(harness) == 8);
            try (RawMqtt surplus = RawMqtt.from("127.0.0.13", harness.bridge.mqttPort())) {
                assertThat(surplus.closedByServer()).isTrue();
            }
            assertThat(refusals(harness, "too-many-pending-connections")).isPositive();
            held.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> pending(harness) == 7);
            harness.v3("env-honest-0").disconnect();
        } finally {
            closeAll(held);
        }
    }

    @Test
    void honestDevicesConnectAndPublishWhileAnAttackerHoldsSlowConnections() throws Exception {
        List<RawMqtt> held = new ArrayList<>();
        List<MqttClient> fleet = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                RawMqtt attacker = RawMqtt.from("127.0.0.20", harness.bridge.mqttPort());
                held.add(attacker);
                try {
                    attacker.send(new byte[] {0x10}); // the first byte of a CONNECT, and no more
                } catch (IOException e) {
                    // closed at accept: past the address's limit
                }
            }
            // Six devices from one address, over a per-address pending limit of 3: an authenticated device is no longer pending.
            for (int i = 0; i < 5; i++) {
                fleet.add(harness.v3("env-honest-" + i));
            }
            MqttAsyncClient v5 = harness.v5("env-honest-5");
            v5.publish("dt/env-sensor/env-honest-5/v2", new MqttMessage("{\"t\":1}".getBytes(StandardCharsets.UTF_8), 1, false, null))
                    .waitForCompletion(20_000);
            v5.disconnect().waitForCompletion(10_000);
            fleet.get(0).publish("dt/env-sensor/env-honest-0/v2", "{\"t\":2}".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(held.stream().filter(RawMqtt::isOpenQuietly).count()).as("attackers beyond their 3 were closed").isEqualTo(3);
            assertThat(BridgeHarness.withPayload(harness.read(Topics.RAW_ENV_SENSOR, 2, Duration.ofSeconds(20)), "{\"t\":2}"))
                    .hasSize(1);
        } finally {
            closeAll(held);
            for (MqttClient client : fleet) {
                client.disconnect();
            }
        }
    }

    @Test
    void aClientTricklingItsConnectIsCutAtTheDeadlineCountedFromAccept() throws Exception {
        Path own = Files.createDirectories(dir.resolve("deadline"));
        try (BridgeHarness quick = new BridgeHarness(kafka, own, Map.of("mqtt.connect.timeout.s", "2"))) {
            byte[] connect = RawMqtt.connect("env-trickler", "env-trickler", "a-password-long-enough-to-take-a-while");
            try (RawMqtt trickler = RawMqtt.from("127.0.0.30", quick.bridge.mqttPort())) {
                // One byte about every 450 ms, never the last one: Vert.x's idle timer (also 2 s) is restarted by each.
                boolean cut = false;
                for (int i = 0; i < connect.length - 1 && !cut; i++) {
                    try {
                        trickler.send(new byte[] {connect[i]});
                        Thread.sleep(250);
                    } catch (IOException e) {
                        cut = true;
                    }
                    cut = cut || !trickler.stillOpen();
                }
                assertThat(cut).as("closed while its CONNECT was still incomplete").isTrue();
            }
            assertThat(refusals(quick, "connect-deadline")).isPositive();
            // A client that sends its CONNECT in time is not affected by the deadline afterwards.
            quick.provision("env-prompt", "env-sensor");
            MqttClient prompt = quick.v3("env-prompt");
            Thread.sleep(3_000);
            assertThat(prompt.isConnected()).isTrue();
            prompt.disconnect();
        }
    }

    @Test
    void aClientRefusedUnderEverNewClientIdsIsWarnedAboutOncePerAddressAndReason() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger("dev.iotpipeline.bridge.ingest.mqtt.MqttIngest");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        try {
            for (int i = 0; i < 8; i++) {
                try (RawMqtt guesser = RawMqtt.from("127.0.0.40", harness.bridge.mqttPort())) {
                    guesser.send(RawMqtt.connect("nobody-" + i, "nobody-" + i, "guess-" + i));
                    assertThat(guesser.connack()).as("bad user name or password").isEqualTo(4);
                }
            }
        } finally {
            log.detachAppender(events);
        }
        assertThat(events.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .filter(e -> e.getFormattedMessage().contains("127.0.0.40"))).hasSize(1);
    }

    private static SSLSocket tls(String from) throws Exception {
        SSLSocket socket = (SSLSocket) harness.certificates.clientSocketFactory(null).createSocket(InetAddress.getLoopbackAddress(),
                harness.bridge.mqttTlsPort(), InetAddress.getByName(from), 0);
        socket.startHandshake();
        return socket;
    }

    private static void closeAll(List<RawMqtt> connections) throws IOException {
        for (RawMqtt connection : connections) {
            connection.close();
        }
    }

    static double pending(BridgeHarness bridge) throws Exception {
        return metric(bridge, "iot_bridge_mqtt_pending_connections ");
    }

    static double refusals(BridgeHarness bridge, String reason) throws Exception {
        return metric(bridge, "iot_bridge_messages_refused_total{protocol=\"mqtt\",reason=\"" + reason + "\"}");
    }

    private static double metric(BridgeHarness bridge, String prefix) throws Exception {
        return bridge.management("/metrics").body().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** A raw WebSocket client: the upgrade to /mqtt, then silence. */
    static final class WebSocketClient implements AutoCloseable {

        private final Socket socket;

        private WebSocketClient(Socket socket) {
            this.socket = socket;
        }

        static WebSocketClient open(String from, int port) throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(from), 0);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("no upgrade answer: " + head);
                }
                head.append((char) b);
            }
            if (!head.toString().startsWith("HTTP/1.1 101")) {
                throw new IOException("not upgraded: " + head);
            }
            return new WebSocketClient(socket);
        }

        /** True when the server sends a close frame or closes the connection. */
        boolean closedByServer() throws IOException {
            try {
                int first = socket.getInputStream().read();
                return first < 0 || (first & 0x0F) == 0x8;
            } catch (SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
