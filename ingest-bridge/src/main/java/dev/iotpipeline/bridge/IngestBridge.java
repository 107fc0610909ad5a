package dev.iotpipeline.bridge;

import dev.iotpipeline.bridge.auth.DeviceRegistry;
import dev.iotpipeline.bridge.config.BridgeConfig;
import dev.iotpipeline.bridge.fanout.FanOut;
import dev.iotpipeline.bridge.http.HttpIngest;
import dev.iotpipeline.bridge.kafka.DeviceRateLimiter;
import dev.iotpipeline.bridge.kafka.InflightBudget;
import dev.iotpipeline.bridge.kafka.KafkaReadiness;
import dev.iotpipeline.bridge.kafka.RawPublisher;
import dev.iotpipeline.bridge.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.mqtt.MqttIngest;
import dev.iotpipeline.bridge.mqtt.MqttLimits;
import dev.iotpipeline.bridge.routing.TopicRouter;
import dev.iotpipeline.bridge.tls.TlsSettings;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.mqtt.MqttServer;
import java.net.BindException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running bridge: MQTT (TCP, TLS, WebSocket) and HTTP(S) listeners in front of the Kafka
 * producer. Stateless: several instances can run behind one load balancer.
 */
public final class IngestBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestBridge.class);
    private static final int START_TIMEOUT_S = 30;

    private final Vertx vertx;
    private final RawPublisher publisher;
    private final KafkaReadiness readiness;
    private final PrometheusMeterRegistry meters;
    private final FanOut fanOut;
    private MqttServer mqtt;
    private MqttServer relay;
    private MqttServer mqttTls;
    private HttpServer http;
    private HttpServer https;

    private IngestBridge(Vertx vertx, RawPublisher publisher, KafkaReadiness readiness, PrometheusMeterRegistry meters,
                         FanOut fanOut) {
        this.vertx = vertx;
        this.fanOut = fanOut;
        this.publisher = publisher;
        this.readiness = readiness;
        this.meters = meters;
    }

    /** Starts every listener; returns once they listen (ports of 0 are resolved, see the accessors). */
    public static IngestBridge start(BridgeConfig config) {
        Optional<TlsSettings> tls = TlsSettings.from(config);
        MqttLimits limits = MqttLimits.from(config);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BridgeMetrics metrics = new BridgeMetrics(meters);
        DeviceRegistry devices = new DeviceRegistry(config.devicesFile());
        TopicRouter router = TopicRouter.load(config.rulesFile());
        InflightBudget budget = new InflightBudget(config.longValue(BridgeConfig.MAX_INFLIGHT_BYTES));
        metrics.inflightBytes(budget::used);
        RawPublisher publisher = new RawPublisher(config.producerConfig(), config.get(BridgeConfig.INSTANCE_ID), budget,
                new DeviceRateLimiter(config.intValue(BridgeConfig.MAX_MESSAGES_PER_SECOND)));
        KafkaReadiness readiness = new KafkaReadiness(config.producerConfig());
        FanOut fanOut = config.get(BridgeConfig.SCHEMA_REGISTRY_URL).isBlank() ? null
                : new FanOut(config.get(BridgeConfig.INSTANCE_ID), config.consumerConfig(),
                        new RestSchemaRegistryClient(RegistryClientConfig.fromMap(config.registryConfig())), publisher,
                        config.intValue(BridgeConfig.COMMANDS_RATE), meters);
        IngestBridge bridge = new IngestBridge(Vertx.vertx(), publisher, readiness, meters, fanOut);
        try {
            bridge.listen(config, tls, limits, devices, router, metrics);
            return bridge;
        } catch (RuntimeException e) {
            bridge.close();
            throw e;
        }
    }

    private void listen(BridgeConfig config, Optional<TlsSettings> tls, MqttLimits limits, DeviceRegistry devices,
                        TopicRouter router, BridgeMetrics metrics) {
        MqttIngest mqttIngest = new MqttIngest(vertx, devices, router, publisher, metrics, limits, fanOut);
        String mqttHost = config.get(BridgeConfig.MQTT_HOST);
        String httpHost = config.get(BridgeConfig.HTTP_HOST);
        mqtt = await(mqttIngest.listen(mqttHost, config.intValue(BridgeConfig.MQTT_PORT)), "MQTT", config.intValue(BridgeConfig.MQTT_PORT));
        relay = await(mqttIngest.listenForRelay(), "MQTT WebSocket relay", 0);
        HttpIngest httpIngest = new HttpIngest(vertx, devices, router, publisher, metrics, meters, limits.maxPayloadBytes(),
                relay::actualPort, readiness::ready, fanOut);
        http = await(httpIngest.listen(httpHost, config.intValue(BridgeConfig.HTTP_PORT)), "HTTP", config.intValue(BridgeConfig.HTTP_PORT));
        if (tls.isPresent()) {
            mqttTls = await(mqttIngest.listenTls(mqttHost, config.intValue(BridgeConfig.MQTT_TLS_PORT), tls.get()), "MQTT over TLS",
                    config.intValue(BridgeConfig.MQTT_TLS_PORT));
            https = await(httpIngest.listenTls(httpHost, config.intValue(BridgeConfig.HTTPS_PORT), tls.get()), "HTTPS",
                    config.intValue(BridgeConfig.HTTPS_PORT));
        }
        LOG.info("Ingest bridge {} listening: MQTT {}, HTTP {} (WebSocket /mqtt){}", config.get(BridgeConfig.INSTANCE_ID),
                mqtt.actualPort(), http.actualPort(), tls.isPresent()
                        ? ", MQTT over TLS " + mqttTls.actualPort() + ", HTTPS " + https.actualPort() + " (client certificates: "
                        + tls.get().clientAuth().name().toLowerCase() + ")" : ", TLS off");
    }

    private <T> T await(Future<T> listening, String what, int port) {
        try {
            return listening.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BindException) {
                throw new IllegalStateException(what + " port " + port + " is already in use", e.getCause());
            }
            throw new IllegalStateException(what + " listener did not start on port " + port + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the " + what + " listener", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " listener did not start within " + START_TIMEOUT_S + " s", e);
        }
    }

    public int mqttPort() {
        return mqtt.actualPort();
    }

    public int httpPort() {
        return http.actualPort();
    }

    /** MQTT over TLS port; -1 when TLS is off. */
    public int mqttTlsPort() {
        return mqttTls == null ? -1 : mqttTls.actualPort();
    }

    /** HTTPS port; -1 when TLS is off. */
    public int httpsPort() {
        return https == null ? -1 : https.actualPort();
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** Stops accepting, lets Kafka answer what is in flight (up to 10 s), then stops. */
    @Override
    public void close() {
        for (Object server : new Object[] {mqtt, mqttTls, http, https, relay}) {
            Future<Void> closing = server instanceof MqttServer m ? m.close() : server instanceof HttpServer h ? h.close() : null;
            if (closing != null) {
                closeQuietly(closing);
            }
        }
        if (fanOut != null) {
            fanOut.close();
        }
        publisher.close();
        readiness.close();
        closeQuietly(vertx.close());
    }

    private static void closeQuietly(Future<Void> closing) {
        try {
            closing.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("A listener did not close cleanly: {}", e.toString());
        }
    }
}
