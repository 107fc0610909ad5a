package dev.iotpipeline.bridge;

import dev.iotpipeline.bridge.auth.DeviceRegistry;
import dev.iotpipeline.bridge.config.BridgeConfig;
import dev.iotpipeline.bridge.http.HttpIngest;
import dev.iotpipeline.bridge.kafka.RawPublisher;
import dev.iotpipeline.bridge.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.mqtt.MqttIngest;
import dev.iotpipeline.bridge.routing.TopicRouter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.mqtt.MqttServer;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running bridge: MQTT and HTTP listeners in front of the Kafka producer. */
public final class IngestBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestBridge.class);

    private final Vertx vertx;
    private final RawPublisher publisher;
    private final MqttServer mqtt;
    private final HttpServer http;
    private final PrometheusMeterRegistry meters;

    private IngestBridge(Vertx vertx, RawPublisher publisher, MqttServer mqtt, HttpServer http, PrometheusMeterRegistry meters) {
        this.vertx = vertx;
        this.publisher = publisher;
        this.mqtt = mqtt;
        this.http = http;
        this.meters = meters;
    }

    /** Starts both listeners; returns once they listen (ports of 0 are resolved, see the accessors). */
    public static IngestBridge start(BridgeConfig config) {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BridgeMetrics metrics = new BridgeMetrics(meters);
        DeviceRegistry devices = new DeviceRegistry(config.devicesFile());
        TopicRouter router = TopicRouter.load(config.rulesFile());
        RawPublisher publisher = new RawPublisher(config.producerConfig(), config.get(BridgeConfig.INSTANCE_ID));
        Vertx vertx = Vertx.vertx();
        int maxPayload = config.intValue(BridgeConfig.MAX_PAYLOAD_BYTES);
        try {
            MqttServer mqtt = await(new MqttIngest(vertx, devices, router, publisher, metrics, maxPayload,
                    config.intValue(BridgeConfig.MAX_CONNECTIONS), config.intValue(BridgeConfig.RECEIVE_MAXIMUM),
                    config.intValue(BridgeConfig.CONNECT_TIMEOUT_S))
                    .listen(config.get(BridgeConfig.MQTT_HOST), config.intValue(BridgeConfig.MQTT_PORT)).toCompletionStage()
                    .toCompletableFuture(), "MQTT", config.intValue(BridgeConfig.MQTT_PORT));
            HttpServer http = await(new HttpIngest(vertx, devices, router, publisher, metrics, meters, maxPayload, mqtt::actualPort)
                    .listen(config.get(BridgeConfig.HTTP_HOST), config.intValue(BridgeConfig.HTTP_PORT)).toCompletionStage()
                    .toCompletableFuture(), "HTTP", config.intValue(BridgeConfig.HTTP_PORT));
            LOG.info("Ingest bridge {} listening: MQTT {}, HTTP {} (WebSocket /mqtt)", config.get(BridgeConfig.INSTANCE_ID),
                    mqtt.actualPort(), http.actualPort());
            return new IngestBridge(vertx, publisher, mqtt, http, meters);
        } catch (RuntimeException e) {
            vertx.close();
            publisher.close();
            throw e;
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> listening, String what, int port) {
        try {
            return listening.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof BindException) {
                throw new IllegalStateException(what + " port " + port + " is already in use", e.getCause());
            }
            throw new IllegalStateException(what + " listener did not start on port " + port + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the " + what + " listener", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " listener did not start within 30 s", e);
        }
    }

    public int mqttPort() {
        return mqtt.actualPort();
    }

    public int httpPort() {
        return http.actualPort();
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    @Override
    public void close() {
        try {
            mqtt.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Listeners did not close cleanly: {}", e.toString());
        }
        publisher.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(Duration.ofSeconds(10).toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        }
    }
}
