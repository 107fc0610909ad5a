package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.testing.KafkaFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP listener's own limits, against raw sockets: a silent connection is closed, long URLs and headers are refused. */
class HttpLimitsIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @TempDir
    static Path dir;

    static BridgeHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = new BridgeHarness(kafka, dir, Map.of("http.idle.timeout.s", "2",
                "http.max.header.bytes", "2048", "http.max.url.bytes", "512"));
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
        assertThat(request("GET /health/live?" + "q".repeat(1000) + " HTTP/1.1\r\nHost: x\r\n\r\n")).matches("HTTP/1\\.[01] 414");
        assertThat(request("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(4000) + "\r\n\r\n"))
                .matches("HTTP/1\\.[01] 431");
    }

    private static Socket open() throws IOException {
        Socket socket = new Socket("127.0.0.1", harness.bridge.httpPort());
        socket.setSoTimeout(200);
        return socket;
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
        try (Socket socket = new Socket("127.0.0.1", harness.bridge.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] head = new byte[12];
            int read = 0;
            for (int n; read < head.length && (n = in.read(head, read, head.length - read)) > 0; ) {
                read += n;
            }
            return new String(head, 0, read, StandardCharsets.US_ASCII);
        }
    }
}
