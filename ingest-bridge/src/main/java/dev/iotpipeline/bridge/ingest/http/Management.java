package dev.iotpipeline.bridge.ingest.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;

/**
 * The management listener, apart from the devices' ports (loopback by default): {@code GET
 * /health/live} (the process runs), {@code GET /health/ready} (200 only while Kafka is reachable)
 * and {@code GET /metrics} (Prometheus).
 */
public final class Management {

    private final Vertx vertx;
    private final PrometheusMeterRegistry prometheus;
    private final BooleanSupplier kafkaReady;

    public Management(Vertx vertx, PrometheusMeterRegistry prometheus, BooleanSupplier kafkaReady) {
        this.vertx = vertx;
        this.prometheus = prometheus;
        this.kafkaReady = kafkaReady;
    }

    public Future<HttpServer> listen(String host, int port) {
        Router routes = Router.router(vertx);
        routes.get("/health/live").handler(ctx -> json(ctx.response(), 200, new JsonObject().put("status", "UP")));
        routes.get("/health/ready").handler(ctx -> {
            boolean ready = kafkaReady.getAsBoolean();
            json(ctx.response(), ready ? 200 : 503, new JsonObject().put("status", ready ? "UP" : "DOWN").put("kafka", ready));
        });
        routes.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4")
                .end(prometheus.scrape()));
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(routes).listen();
    }

    private static void json(HttpServerResponse response, int status, JsonObject body) {
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
