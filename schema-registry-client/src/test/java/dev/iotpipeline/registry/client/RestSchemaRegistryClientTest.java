package dev.iotpipeline.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RestSchemaRegistryClientTest {

    @Test
    void anUnreachableRegistryIsReportedAsRetriableWithItsUrl() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/apis/ccompat/v6";
        var client = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(
                RegistryClientConfig.URL, url, RegistryClientConfig.MAX_ATTEMPTS, "2",
                RegistryClientConfig.RETRY_BACKOFF_MS, "10")));

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("retriable")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).retriable()).isTrue());
    }

    @Test
    void serverErrorsAreRetriedAndASchemaFetchedOnceIsServedFromCache() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/schemas/ids/7", exchange -> {
            boolean fail = calls.incrementAndGet() == 1;
            byte[] body = (fail ? "{\"error_code\":50001,\"message\":\"store unavailable\"}"
                    : "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":[]}\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(fail ? 503 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            var client = new RestSchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(
                    RegistryClientConfig.URL, "http://127.0.0.1:" + server.getAddress().getPort(),
                    RegistryClientConfig.RETRY_BACKOFF_MS, "10")));

            assertThat(client.schemaById(7).getFullName()).isEqualTo("R");
            assertThat(client.schemaById(7).getFullName()).isEqualTo("R");
            assertThat(calls).hasValue(2);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aMissingUrlIsAConfigurationError() {
        assertThatThrownBy(() -> RegistryClientConfig.fromMap(Map.of()))
                .hasMessageContaining("schema.registry.url");
    }
}
