package dev.iotpipeline.bridge.ingest.http;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.ingest.auth.Authenticator;
import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.kafka.RawPublisher;
import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.ConnectionCounter;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import dev.iotpipeline.bridge.ingest.routing.Route;
import dev.iotpipeline.bridge.ingest.routing.TopicRouter;
import dev.iotpipeline.bridge.ingest.tls.TlsSettings;
import dev.iotpipeline.bridge.link.Deliveries;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener: {@code POST /v1/telemetry/{deviceType}/{deviceId}/{version}} (answered 200
 * only after Kafka has the record), MQTT over WebSocket at {@code /mqtt} (relayed to the MQTT
 * listener) and the OpenAPI description, with a cap on connections ({@link ConnectionCap}) and a
 * deadline for every request head ({@link RequestHeadDeadline}). Health
 * and metrics are on the separate {@link Management} listener.
 */
public final class HttpIngest {

    private static final Logger LOG = LoggerFactory.getLogger(HttpIngest.class);
    private static final Set<String> MEDIA_TYPES = Set.of("application/json", "text/plain", "text/csv",
            "application/octet-stream");
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final String OPENAPI = readOpenApi();

    private final Vertx vertx;
    private final Authenticator authenticator;
    private final BridgeConfig.Http settings;
    private final TopicRouter router;
    private final RawPublisher publisher;
    private final BridgeMetrics metrics;
    private final int maxPayloadBytes;
    private final IntSupplier relayPort;
    private final ConnectionCap connectionCap;
    private final RequestHeadDeadline headDeadline;
    private final NetClient relay;
    private final Router routes;
    private final Deliveries deliveries;

    /**
     * @param relayPort port of the loopback MQTT listener that takes relayed WebSocket connections
     * @param deliveries pending commands and shadow deltas for the telemetry response
     */
    public HttpIngest(Vertx vertx, BridgeConfig.Http settings, Authenticator authenticator, TopicRouter router, RawPublisher publisher, BridgeMetrics metrics,
                      int maxPayloadBytes, IntSupplier relayPort, Deliveries deliveries) {
        this.vertx = vertx;
        this.authenticator = authenticator;
        this.settings = settings;
        this.router = router;
        this.publisher = publisher;
        this.metrics = metrics;
        this.maxPayloadBytes = maxPayloadBytes;
        this.relayPort = relayPort;
        this.deliveries = deliveries;
        this.relay = vertx.createNetClient();
        this.routes = routes();
        AtomicInteger open = new AtomicInteger();
        metrics.httpConnections(open);
        WarnOnce warnOnce = new WarnOnce(LOG);
        this.connectionCap = new ConnectionCap(new ConnectionCounter(open, settings.maxConnections(), settings.maxConnectionsPerAddress(),
                "too-many-connections"), metrics, warnOnce, RETRY_AFTER_SECONDS);
        this.headDeadline = new RequestHeadDeadline(TimeUnit.SECONDS.toMillis(settings.requestHeadTimeoutSeconds()), metrics, warnOnce);
    }

    /** The plain HTTP listener. */
    public Future<HttpServer> listen(String host, int port) {
        return listen(new HttpServerOptions().setHost(host).setPort(port));
    }

    /** The HTTPS listener (secure WebSocket at {@code /mqtt}). */
    public Future<HttpServer> listenTls(String host, int port, TlsSettings tls) {
        return listen(tls.apply(new HttpServerOptions().setHost(host).setPort(port))
                .setSslHandshakeTimeout(settings.requestHeadTimeoutSeconds()).setSslHandshakeTimeoutUnit(TimeUnit.SECONDS));
    }

    private Future<HttpServer> listen(HttpServerOptions options) {
        options.setWebSocketSubProtocols(List.of("mqtt", "mqttv3.1"));
        options.setIdleTimeout(settings.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize(settings.maxHeaderBytes()).setMaxInitialLineLength(settings.maxUrlBytes());
        // h2c off: Vert.x then calls the connection handler at accept instead of after the first bytes (see ConnectionCap).
        options.setHttp2ClearTextEnabled(false);
        return vertx.createHttpServer(options).connectionHandler(this::accepted).requestHandler(routes)
                .webSocketHandler(this::mqttOverWebSocket).listen();
    }

    /** At accept (after a TLS handshake): the connection caps, then the first request head's deadline. */
    private void accepted(HttpConnection connection) {
        String address = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
        Channel channel = ((HttpServerConnection) connection).channelHandlerContext().channel();
        if (connectionCap.admit(channel, address)) {
            headDeadline.watch(channel, address);
        }
    }

    private Router routes() {
        Router routes = Router.router(vertx);
        routes.post("/v1/telemetry/:deviceType/:deviceId/:version")
                .handler(BodyHandler.create(false).setBodyLimit(maxPayloadBytes))
                .handler(this::telemetry);
        routes.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
                .end(OPENAPI));
        routes.errorHandler(413, ctx -> error(ctx, 413, "payload-too-large", "The payload is larger than "
                + maxPayloadBytes + " bytes"));
        return routes;
    }

    /**
     * Relays an MQTT-over-WebSocket connection to the loopback MQTT listener, with backpressure
     * both ways; a PROXY protocol header tells that listener the client's real address.
     */
    private void mqttOverWebSocket(ServerWebSocket socket) {
        if (!"/mqtt".equals(socket.path())) {
            socket.close((short) 1008, "MQTT over WebSocket is served at /mqtt");
            return;
        }
        socket.pause();
        relay.connect(relayPort.getAsInt(), "127.0.0.1").onSuccess(tcp -> {
            tcp.write(proxyHeader(socket.remoteAddress(), socket.localAddress()));
            socket.pipeTo(tcp);
            tcp.pipeTo(socket);
            socket.resume();
        }).onFailure(error -> {
            LOG.warn("Cannot relay MQTT over WebSocket: {}", error.toString());
            socket.close((short) 1011, "MQTT listener unavailable");
        });
    }

    private static Buffer proxyHeader(SocketAddress client, SocketAddress local) {
        String family = client.hostAddress().contains(":") ? "TCP6" : "TCP4";
        return Buffer.buffer("PROXY " + family + " " + client.hostAddress() + " " + local.hostAddress() + " " + client.port() + " "
                + local.port() + "\r\n");
    }

    private void telemetry(RoutingContext ctx) {
        Optional<HttpRequests.Credentials> credentials = HttpRequests.credentials(ctx.request().getHeader("Authorization"),
                ctx.pathParam("deviceId"));
        if (credentials.isEmpty()) {
            telemetry(ctx, Optional.empty());
            return;
        }
        String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
        authenticator.authenticate(address, credentials.get().deviceId(), credentials.get().secret()).onComplete(checked -> {
            if (checked.succeeded() && checked.result().throttled()) {
                metrics.securityRefusal("http", "throttled");
                ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, (checked.result().retryAfterMillis() + 999) / 1000)));
                error(ctx, 429, "auth-throttled", "Too many failed authentications; retry later");
                return;
            }
            telemetry(ctx, checked.succeeded() ? checked.result().device() : Optional.empty());
        });
    }

    private void telemetry(RoutingContext ctx, Optional<Device> device) {
        String type = ctx.pathParam("deviceType");
        String deviceId = ctx.pathParam("deviceId");
        String version = ctx.pathParam("version");
        if (device.isEmpty()) {
            metrics.securityRefusal("http", "authentication");
            ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"iot\", Bearer realm=\"iot\"");
            error(ctx, 401, "not-authenticated", "Send the device's secret as a bearer token, or basic auth as id:secret");
            return;
        }
        if (!device.get().id().equals(deviceId) || !device.get().type().equals(type)) {
            metrics.securityRefusal("http", "publish");
            error(ctx, 403, "not-authorized", "Device " + device.get().id() + " (" + device.get().type()
                    + ") may only post as itself");
            return;
        }
        String contentType = ctx.request().getHeader("Content-Type");
        String mediaType = HttpRequests.mediaType(contentType);
        if (mediaType != null && !MEDIA_TYPES.contains(mediaType)) {
            error(ctx, 415, "unsupported-media-type", "Content-Type must be one of " + MEDIA_TYPES + ", got " + contentType);
            return;
        }
        Optional<String> topic = HttpRequests.topic(type, deviceId, version);
        Optional<Route> route = topic.flatMap(router::route);
        if (route.isEmpty() || !route.get().deviceId().equals(deviceId)) {
            error(ctx, 400, "unmatched-topic", "No mapping rule for " + topic.orElse("this path"));
            return;
        }
        byte[] payload = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (payload.length == 0) {
            error(ctx, 400, "empty-payload", "The request has no body");
            return;
        }
        long received = System.currentTimeMillis();
        long receivedNanos = System.nanoTime();
        publisher.publish(new RawPublisher.Received(route.get(), TelemetryHeaders.PROTOCOL_HTTP, ctx.request().path(), null,
                        null, received, contentType, List.of()), payload)
                .whenComplete((metadata, failure) -> ctx.vertx().runOnContext(v -> {
                    if (failure == null) {
                        metrics.accepted("http", type, receivedNanos);
                        JsonObject body = new JsonObject().put("status", "accepted").put("topic", metadata.topic())
                                .put("partition", metadata.partition()).put("offset", metadata.offset());
                        if (!deliveries.enabled()) {
                            json(ctx, 200, body);
                        } else {
                            // An HTTP device has no subscription: its pending work rides on the answer.
                            deliveries.pendingWork(device.get().id(), device.get().type()).whenComplete((work, error) -> ctx.vertx().runOnContext(w -> {
                                if (work != null) {
                                    body.mergeIn(new JsonObject(work.toString()));
                                }
                                json(ctx, 200, body);
                            }));
                        }
                    } else if (failure instanceof RawPublisher.RateLimitedException) {
                        ctx.response().putHeader("Retry-After", "1");
                        error(ctx, 429, "rate-limited", "The device sends faster than its limit; retry later");
                    } else if (failure instanceof RawPublisher.OverBudgetException) {
                        ctx.response().putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
                        error(ctx, 503, "inflight-bytes-exceeded", "The bridge is overloaded; the message was not stored, retry later");
                    } else {
                        metrics.kafkaError(failure);
                        LOG.warn("Kafka did not take a message from {}: {}", deviceId, failure.toString());
                        ctx.response().putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
                        error(ctx, 503, "kafka-unavailable", "The message was not stored; retry later");
                    }
                }));
    }

    private void error(RoutingContext ctx, int status, String reason, String message) {
        metrics.refused("http", reason);
        json(ctx, status, new JsonObject().put("error", reason).put("message", message));
    }

    private static String readOpenApi() {
        try (var in = HttpIngest.class.getResourceAsStream("/openapi.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.yaml is missing from the bridge's resources", e);
        }
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
        }
    }
}
