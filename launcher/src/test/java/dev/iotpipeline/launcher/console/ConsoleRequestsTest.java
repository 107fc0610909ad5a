package dev.iotpipeline.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile requests to the console (no pipeline behind it, so no route waits on Kafka): whatever the
 * path, query or body, the server answers with a status a browser can act on (never a dropped
 * connection or a 500) and goes on serving the page.
 */
class ConsoleRequestsTest {

    private static final Set<Integer> ANSWERS = Set.of(200, 400, 403, 404, 405, 413, 503);
    /** Letter ids and replay bodies that are well-formed would wait on the absent Kafka: left to ConsoleIT. */
    private static final Pattern LETTER_ID = Pattern.compile("^(iot\\.deadletter[^/]*/)?\\d+@\\d+$");

    private static ConsoleServer server;

    @BeforeContainer
    static void start() {
        server = ConsoleServer.start("127.0.0.1", 0, new ConsoleServer.Sources("127.0.0.1:1", "http://127.0.0.1:1",
                "jdbc:postgresql://127.0.0.1:1/iot", "iot", "iot", Path.of("target", "no-devices.json"), URI.create("http://127.0.0.1:1/metrics"),
                null, null, null, List.of()));
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    @Property(tries = 300)
    void anyPathOrQueryGetsAnAnswer(@ForAll("paths") String path) throws Exception {
        Assume.that(!path.startsWith("/api/deadletters"));
        assertThat(status("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).isIn(ANSWERS);
        assertThat(status("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).isEqualTo(200);
    }

    @Property(tries = 200)
    void anyLetterIdGetsAnAnswer(@ForAll("text") String id) throws Exception {
        Assume.that(!LETTER_ID.matcher(id).matches());
        assertThat(status("GET /api/deadletters/letter?id=" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
                .isIn(400, 404);
    }

    @Property(tries = 300)
    void anyActionBodyGetsAnAnswer(@ForAll("routes") String route, @ForAll("bodies") String body) throws Exception {
        Assume.that(!(route.endsWith("replay") && body.matches("(?s)\\s*\\{.*\"reason\"\\s*:\\s*\"[^\"]*\\S.*")));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String request = "POST /api/" + route + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n" + body;
        assertThat(status(request)).isIn(400, 404, 413);
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> tail = text();
        return Arbitraries.oneOf(tail.map(t -> "/" + t), tail.map(t -> "/vendor/" + t), tail.map(t -> "/vendor/leaflet/" + t),
                tail.map(t -> "/api/" + t), tail.map(t -> "/api/readings?device=" + t + "&hours=" + t),
                tail.map(t -> "/api/devices?q=" + t + "&offset=" + t + "&limit=" + t), tail.map(t -> "/api/flow?" + t));
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("abz09%/?&=.@_-~+#\"'<>{}[]|\\^`:;,!$()*é").ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of("deadletters/replay", "commands", "devices", "nothing");
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
                Arbitraries.strings().withChars("{}[]\":,0123456789abcnulltruefalse reasondeviceIdnamepayload").ofMaxLength(120),
                Arbitraries.just("x".repeat(ConsoleServer.MAX_BODY + 1)));
    }

    /** Sends raw bytes (no client library tidies them) and returns the answer's status code. */
    private static int status(String request) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            assertThat(line).as("an answer to " + request.lines().findFirst().orElse("")).isNotNull().matches("HTTP/1\\.1 \\d{3}.*");
            return Integer.parseInt(line.substring(9, 12));
        }
    }
}
