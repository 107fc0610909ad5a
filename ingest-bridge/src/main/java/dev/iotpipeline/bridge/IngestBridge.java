package dev.iotpipeline.bridge;

import dev.iotpipeline.bridge.delivery.DeliveryLoop;
import dev.iotpipeline.bridge.ingest.auth.AuthThrottle;
import dev.iotpipeline.bridge.ingest.auth.Authenticator;
import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import dev.iotpipeline.bridge.ingest.http.HttpIngest;
import dev.iotpipeline.bridge.ingest.http.Management;
import dev.iotpipeline.bridge.ingest.kafka.DeviceRateLimiter;
import dev.iotpipeline.bridge.ingest.kafka.InflightBudget;
import dev.iotpipeline.bridge.ingest.kafka.KafkaReadiness;
import dev.iotpipeline.bridge.ingest.kafka.RawPublisher;
import dev.iotpipeline.bridge.ingest.kafka.ShadowReports;
import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.mqtt.MqttIngest;
import dev.iotpipeline.bridge.ingest.mqtt.MqttLimits;
import dev.iotpipeline.bridge.ingest.routing.TopicRouter;
import dev.iotpipeline.bridge.ingest.tls.TlsSettings;
import dev.iotpipeline.bridge.link.Deliveries;
import dev.iotpipeline.registry.client.RegistryClientConfig;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
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
 * A running bridge: the ingest room (MQTT over TCP, TLS and WebSocket, HTTP(S), in front of the
 * Kafka producer) and, with a schema registry, the delivery room (commands and shadows from Kafka
 * to the connected devices), joined only by {@link Deliveries}. Stateless: several instances can
 * run behind one load balancer.
 */
public final class IngestBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestBridge.class);
    private static final int START_TIMEOUT_S = 30;

    private final Vertx vertx;
    private final RawPublisher publisher;
    private final KafkaReadiness readiness;
    private final PrometheusMeterRegistry meters;
    private final DeliveryLoop delivery;
    private MqttServer mqtt;
    private MqttServer relay;
    private MqttServer mqttTls;
    private HttpServer http;
    private HttpServer https;
    private HttpServer management;

    private IngestBridge(Vertx vertx, RawPublisher publisher, KafkaReadiness readiness, PrometheusMeterRegistry meters,
                         DeliveryLoop delivery) {
        this.vertx = vertx;
        this.delivery = delivery;
        this.publisher = publisher;
        this.readiness = readiness;
        this.meters = meters;
    }

    /** Starts every listener; returns once they listen (ports of 0 are resolved, see the accessors). */
    public static IngestBridge start(BridgeConfig config) {
        Optional<TlsSettings> tls = config.tls().map(TlsSettings::from);
        BridgeConfig.Limits limits = config.limits();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InflightBudget budget = new InflightBudget(limits.maxInflightBytes());
        RawPublisher publisher = new RawPublisher(config.producerConfig(), config.instanceId(), budget,
                new DeviceRateLimiter(limits.maxMessagesPerSecondPerDevice()));
        KafkaReadiness readiness = new KafkaReadiness(config.producerConfig());
        Optional<BridgeConfig.Delivery> deliverySettings = config.delivery();
        SchemaRegistryClient registry = deliverySettings
                .map(d -> (SchemaRegistryClient) new RestSchemaRegistryClient(RegistryClientConfig.fromMap(d.registryConfig())))
                .orElse(null);
        DeliveryLoop delivery = deliverySettings.map(d -> new DeliveryLoop(config.instanceId(), config.consumerConfig(),
                config.producerConfig(), registry, d.ratePerSecond(), meters)).orElse(null);
        IngestBridge bridge = new IngestBridge(Vertx.vertx(), publisher, readiness, meters, delivery);
        try {
            BridgeMetrics metrics = new BridgeMetrics(meters);
            metrics.inflightBytes(budget::used);
            bridge.listen(config, tls, MqttLimits.from(config.mqtt(), limits), new DeviceRegistry(config.devicesFile()),
                    TopicRouter.load(config.rulesFile()), metrics, registry == null ? null : new ShadowReports(publisher, registry));
            return bridge;
        } catch (RuntimeException e) {
            bridge.close();
            throw e;
        }
    }

    private void listen(BridgeConfig config, Optional<TlsSettings> tls, MqttLimits limits, DeviceRegistry devices,
                        TopicRouter router, BridgeMetrics metrics, ShadowReports reports) {
        Deliveries deliveries = delivery == null ? Deliveries.NONE : delivery;
        BridgeConfig.Mqtt mqttSettings = config.mqtt();
        BridgeConfig.Http httpSettings = config.http();
        BridgeConfig.Limits admission = config.limits();
        Authenticator authenticator = new Authenticator(vertx, devices, new AuthThrottle(admission.authFailuresPerAddress(),
                admission.authFailuresPerDevice(), admission.authFailureMaxDelayMs(), System::currentTimeMillis));
        MqttIngest mqttIngest = new MqttIngest(vertx, devices, authenticator, router, publisher, metrics, limits, deliveries, reports);
        mqtt = await(mqttIngest.listen(mqttSettings.host(), mqttSettings.port()), "MQTT", mqttSettings.port());
        relay = await(mqttIngest.listenForRelay(), "MQTT WebSocket relay", 0);
        HttpIngest httpIngest = new HttpIngest(vertx, httpSettings, authenticator, router, publisher, metrics, limits.maxPayloadBytes(),
                relay::actualPort, deliveries);
        http = await(httpIngest.listen(httpSettings.host(), httpSettings.port()), "HTTP", httpSettings.port());
        if (tls.isPresent()) {
            mqttTls = await(mqttIngest.listenTls(mqttSettings.host(), mqttSettings.tlsPort(), tls.get()), "MQTT over TLS",
                    mqttSettings.tlsPort());
            https = await(httpIngest.listenTls(httpSettings.host(), httpSettings.httpsPort(), tls.get()), "HTTPS",
                    httpSettings.httpsPort());
        }
        BridgeConfig.Management managementSettings = config.management();
        if (managementSettings.enabled()) {
            management = await(new Management(vertx, meters, readiness::ready).listen(managementSettings.host(),
                    managementSettings.port()), "Management", managementSettings.port());
        }
        LOG.info("Ingest bridge {} listening: MQTT {}, HTTP {} (WebSocket /mqtt){}; management {}; commands and shadows {}",
                config.instanceId(), mqtt.actualPort(), http.actualPort(), tls.isPresent()
                        ? ", MQTT over TLS " + mqttTls.actualPort() + ", HTTPS " + https.actualPort() + " (client certificates: "
                        + tls.get().clientAuth().name().toLowerCase() + ")" : ", TLS off",
                management == null ? "off" : managementSettings.host() + ":" + management.actualPort(), delivery == null ? "off" : "on");
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

    /** Port of the management listener (/health/live, /health/ready, /metrics); -1 when it is off. */
    public int managementPort() {
        return management == null ? -1 : management.actualPort();
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** Stops accepting, lets Kafka answer what is in flight (up to 10 s), then stops. */
    @Override
    public void close() {
        for (Object server : new Object[] {mqtt, mqttTls, http, https, relay, management}) {
            Future<Void> closing = server instanceof MqttServer m ? m.close() : server instanceof HttpServer h ? h.close() : null;
            if (closing != null) {
                closeQuietly(closing);
            }
        }
        if (delivery != null) {
            delivery.close();
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
