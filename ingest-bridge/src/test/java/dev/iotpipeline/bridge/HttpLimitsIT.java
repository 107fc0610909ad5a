package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP listener's own limits, against raw sockets: a silent connection is closed, long URLs
 * and headers are refused, and connections past the caps (per source address, in total) are
 * answered 503 and closed at accept, counted until they close, WebSocket ones included.
 */
class HttpLimitsIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = new BridgeHarness(kafka, dir, Map.of("http.idle.timeout.s", "2",
                "http.max.header.bytes", "2048", "http.max.url.bytes", "512", "http.max.connections.per.address", "3",
                "http.max.connections", "8"));
        harness.provision("env-ws", "env-sensor");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket socket = open()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> closedByServer(socket));
        }
    }

    @Test
    void aTooLongUrlGets414AndTooLargeHeadersGet431() throws Exception {
        assertThat(request("GET /openapi.yaml?" + "q".repeat(1000) + " HTTP/1.1\r\nHost: x\r\n\r\n")).matches("HTTP/1\\.[01] 414");
        assertThat(request("GET /openapi.yaml HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(4000) + "\r\n\r\n"))
                .matches("HTTP/1\\.[01] 431");
    }

    @Test
    void aSilentConnectionPastTheAddressCapGets503AndTheAddressIsServedAgainOnceBelowIt() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(open("127.0.0.2"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> httpConnections() >= 3);
            try (Socket surplus = open("127.0.0.2")) {
                assertThat(head(surplus)).as("answered before it sent anything").isEqualTo("HTTP/1.1 503");
                surplus.setSoTimeout(10_000);
                assertThat(surplus.getInputStream().readAllBytes()).as("the rest of the 503, then the end").isNotEmpty();
            }
            assertThat(request("127.0.0.1", "GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n")).as("another address")
                    .isEqualTo("HTTP/1.1 200");
            held.remove(0).close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> request("127.0.0.2", "GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n").equals("HTTP/1.1 200"));
            assertThat(harness.management("/metrics").body())
                    .contains("iot_bridge_messages_refused_total{protocol=\"http\",reason=\"too-many-connections-from-address\"}");
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void pastTheTotalCapEveryAddressGets503() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                held.add(open("127.0.0." + (10 + i / 3)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> httpConnections() >= 8);
            try (Socket surplus = open("127.0.0.13")) {
                assertThat(head(surplus)).isEqualTo("HTTP/1.1 503");
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> request("127.0.0.13", "GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n").equals("HTTP/1.1 200"));
    }

    @Test
    void webSocketConnectionsStopCountingWhenTheyClose() throws Exception {
        // More MQTT-over-WebSocket sessions one after another than the address may hold at once: each must be uncounted at its close.
        for (int i = 0; i < 5; i++) {
            harness.v3(harness.ws(), "env-ws", "env-ws", BridgeHarness.SECRET).disconnect();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> httpConnections() == 0);
    }

    private static double httpConnections() throws Exception {
        return harness.management("/metrics").body().lines().filter(line -> line.startsWith("iot_bridge_http_connections "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static Socket open() throws IOException {
        return open("127.0.0.1");
    }

    /** A connection from the loopback source address {@code from}, sending nothing. */
    private static Socket open(String from) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), harness.bridge.httpPort(), InetAddress.getByName(from), 0);
        socket.setSoTimeout(200);
        return socket;
    }

    /** The status line's first 12 characters, read within 10 s. */
    private static String head(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        byte[] head = new byte[12];
        int read = 0;
        for (int n; read < head.length && (n = in.read(head, read, head.length - read)) > 0; ) {
            read += n;
        }
        socket.setSoTimeout(200);
        return new String(head, 0, read, StandardCharsets.US_ASCII);
    }

    /** True once the server closed the connection (read sees the end of the stream). */
    private static boolean closedByServer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static String request(String raw) throws IOException {
        return request("127.0.0.1", raw);
    }

    private static String request(String from, String raw) throws IOException {
        try (Socket socket = open(from)) {
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
            return head(socket);
        }
    }
}
