package dev.iotpipeline.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console's HTTP side without a pipeline: login, assets from the jar and the WebJars, nothing else. */
class ConsoleServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private ConsoleServer server;

    private String start(ConsoleServer.Login login) {
        server = ConsoleServer.start("127.0.0.1", 0, new ConsoleServer.Sources("127.0.0.1:1", "http://127.0.0.1:1", "jdbc:postgresql://127.0.0.1:1/iot",
                "iot", "iot", Path.of("devices.json"), URI.create("http://127.0.0.1:1/metrics"), null, null, login, List.of()));
        return "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void withALoginEveryPageAndApiNeedsIt() throws Exception {
        String base = start(new ConsoleServer.Login("admin", "a-long-secret-1"));

        HttpResponse<String> anonymous = get(base + "/", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm="));
        assertThat(get(base + "/api/devices", "admin:wrong").statusCode()).isEqualTo(401);
        assertThat(get(base + "/api/devices", "admin:a-long-secret-1x").statusCode()).isEqualTo(401);
        HttpResponse<String> page = get(base + "/", "admin:a-long-secret-1");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>iot-pipeline console</title>");
        assertThat(get(base + "/health/live", null).statusCode()).as("the probe needs no login").isEqualTo(200);
    }

    @Test
    void anAddressGuessingPasswordsIsRefusedForAWhile() throws Exception {
        String base = start(new ConsoleServer.Login("admin", "a-long-secret-1"));
        for (int i = 0; i < 20; i++) {
            assertThat(get(base + "/", null).statusCode()).as("asked for a login, not a failed one").isEqualTo(401);
        }
        for (int i = 0; i < ConsoleServer.MAX_FAILED_LOGINS; i++) {
            assertThat(get(base + "/", "admin:guess-" + i).statusCode()).isEqualTo(401);
        }

        HttpResponse<String> refused = get(base + "/", "admin:a-long-secret-1");
        assertThat(refused.statusCode()).as("even the right password, from that address, for the window").isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue(Long.toString(ConsoleServer.FAILED_LOGIN_WINDOW.toSeconds()));
        assertThat(get(base + "/health/live", null).statusCode()).isEqualTo(200);
    }

    @Test
    void servesTheBundledLibrariesAndNothingOutsideTheConsole() throws Exception {
        String base = start(null);

        HttpResponse<String> leaflet = get(base + "/vendor/leaflet/leaflet.js", null);
        assertThat(leaflet.statusCode()).isEqualTo(200);
        assertThat(leaflet.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get(base + "/vendor/uplot/uPlot.iife.min.js", null).statusCode()).isEqualTo(200);
        assertThat(get(base + "/land.geojson", null).body()).startsWith("{\"type\":\"FeatureCollection\"");
        assertThat(get(base + "/vendor/leaflet/../../../logback.xml", null).statusCode()).isEqualTo(404);
        assertThat(get(base + "/vendor/other/x.js", null).statusCode()).isEqualTo(404);
        assertThat(get(base + "/api/nothing", null).statusCode()).isEqualTo(404);
        // Kafka and the warehouse are not there: the page is told so, the server goes on.
        assertThat(get(base + "/api/flow", null).statusCode()).isEqualTo(503);
        assertThat(get(base + "/", null).statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String url, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (credentials != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
