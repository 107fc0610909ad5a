package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The request head deadline ({@code http.request.head.timeout.s}, 2 s here) against raw sockets
 * trickling a head one byte every 200 ms, far inside the idle timeout (30 s here), which every
 * byte restarts: plain HTTP, HTTPS and the WebSocket upgrade are answered 408 and closed while
 * their head is still incomplete, and so is a keep-alive connection's next head after a good
 * request, while a keep-alive connection may idle between complete requests, and honest HTTP
 * posts and MQTT devices (TCP and WebSocket, connected for longer than the deadline) keep working.
 */
class HttpRequestHeadDeadlineIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A head that takes a minute to trickle and never ends: the idle timeout never fires, only the deadline can. */
    static final String ENDLESS_POST = "POST /v1/telemetry/env-sensor/env-head-http/v2 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer " + BridgeHarness.SECRET + "\r\nX-Pad: " + "a".repeat(300);

    @BeforeAll
    static void start() throws Exception {
        kafka.createTopics(1, Topics.RAW_ENV_SENSOR);
        harness = new BridgeHarness(kafka, dir, Map.of("http.request.head.timeout.s", "2", "http.idle.timeout.s", "30"));
        for (String id : new String[] {"env-head-http", "env-head-mqtt", "env-head-ws"}) {
            harness.provision(id, "env-sensor");
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void aTrickledRequestHeadIsAnswered408AndClosedWhileHonestDevicesKeepPublishing() throws Exception {
        MqttClient tcp = harness.v3("env-head-mqtt");
        MqttClient ws = harness.v3(harness.ws(), "env-head-ws", "env-head-ws", BridgeHarness.SECRET);
        try (Socket trickler = open("127.0.0.50", harness.bridge.httpPort())) {
            Cut cut = trickle(trickler, ENDLESS_POST);
            assertThat(cut).as("cut while its head was incomplete").isNotNull();
            assertThat(cut.answer()).startsWith("HTTP/1.1 408").contains("\"error\":\"request-head-deadline\"")
                    .contains("Connection: close");
        }
        // Connected for longer than the deadline: an upgraded WebSocket is not timed as a request head.
        ws.publish("dt/env-sensor/env-head-ws/v2", "{\"ws\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
        tcp.publish("dt/env-sensor/env-head-mqtt/v2", "{\"tcp\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(post("env-head-http", "{\"http\":1}").statusCode()).isEqualTo(200);
        ws.disconnect();
        tcp.disconnect();
        assertThat(refusals()).isPositive();
    }

    @Test
    void aKeepAliveConnectionMayIdleBetweenRequestsButItsNextHeadHasTheDeadlineToo() throws Exception {
        try (Socket client = open("127.0.0.51", harness.bridge.httpPort())) {
            client.setSoTimeout(10_000);
            String get = "GET /openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            client.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
            assertThat(response(client.getInputStream())).isEqualTo("HTTP/1.1 200 OK");
            Thread.sleep(3_000); // idle for longer than the deadline, between two requests
            client.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
            assertThat(response(client.getInputStream())).as("an idle keep-alive connection is not cut").isEqualTo("HTTP/1.1 200 OK");
            Cut cut = trickle(client, ENDLESS_POST);
            assertThat(cut).as("the next head, trickled, is cut").isNotNull();
            assertThat(cut.answer()).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void aTrickledHttpsHeadAndATrickledWebSocketUpgradeAreCutToo() throws Exception {
        try (Socket tls = harness.certificates.clientSocketFactory(null).createSocket(InetAddress.getLoopbackAddress(),
                harness.bridge.httpsPort(), InetAddress.getByName("127.0.0.52"), 0)) {
            Cut cut = trickle(tls, ENDLESS_POST);
            assertThat(cut).as("HTTPS").isNotNull();
            assertThat(cut.answer()).startsWith("HTTP/1.1 408");
        }
        try (Socket upgrade = open("127.0.0.52", harness.bridge.httpPort())) {
            Cut cut = trickle(upgrade, "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\nX-Pad: " + "a".repeat(300));
            assertThat(cut).as("WebSocket upgrade").isNotNull();
            assertThat(cut.answer()).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void anAddressCutAgainAndAgainIsWarnedAboutOnce() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger("dev.iotpipeline.bridge.ingest.http.HttpIngest");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        try {
            for (int i = 0; i < 3; i++) {
                try (Socket trickler = open("127.0.0.53", harness.bridge.httpPort())) {
                    assertThat(trickle(trickler, ENDLESS_POST)).isNotNull();
                }
            }
        } finally {
            log.detachAppender(events);
        }
        assertThat(events.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .filter(e -> e.getFormattedMessage().contains("127.0.0.53"))
                .filter(e -> e.getFormattedMessage().contains("request-head-deadline"))).hasSize(1);
    }

    /** Where the server cut a trickled head: the bytes sent by then and what it answered before closing. */
    record Cut(int bytesSent, String answer) {
    }

    /**
     * Sends {@code head} one byte about every 200 ms until the server answers or closes; null when
     * all of it went out first.
     */
    static Cut trickle(Socket socket, String head) throws IOException {
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        socket.setSoTimeout(200);
        for (int i = 0; i < bytes.length; i++) {
            try {
                out.write(bytes[i]);
                out.flush();
            } catch (IOException e) {
                return new Cut(i, rest(socket, in, -1));
            }
            try {
                int first = in.read();
                return new Cut(i + 1, first < 0 ? "" : rest(socket, in, first));
            } catch (SocketTimeoutException e) {
                // nothing yet: the next byte
            } catch (IOException e) {
                return new Cut(i + 1, "");
            }
        }
        return null;
    }

    /** What the server sent until it closed, after its {@code first} byte (-1: none read yet). */
    private static String rest(Socket socket, InputStream in, int first) {
        StringBuilder answer = new StringBuilder();
        if (first >= 0) {
            answer.append((char) first);
        }
        try {
            socket.setSoTimeout(5_000);
            answer.append(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // closed or reset after what it sent
        }
        return answer.toString();
    }

    /** Reads one response with a Content-Length body and returns its status line. */
    private static String response(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside a response head: " + head);
            }
            head.append((char) b);
        }
        int length = head.toString().lines().filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                .mapToInt(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).strip())).findFirst().orElse(0);
        in.readNBytes(length);
        return head.substring(0, head.indexOf("\r\n"));
    }

    private static Socket open(String from, int port) throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(from), 0);
    }

    private static HttpResponse<String> post(String device, String payload) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.bridge.httpPort()
                        + "/v1/telemetry/env-sensor/" + device + "/v2"))
                .header("Authorization", "Bearer " + BridgeHarness.SECRET).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double refusals() throws Exception {
        return harness.management("/metrics").body().lines()
                .filter(line -> line.startsWith("iot_bridge_messages_refused_total{protocol=\"http\",reason=\"request-head-deadline\"}"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
