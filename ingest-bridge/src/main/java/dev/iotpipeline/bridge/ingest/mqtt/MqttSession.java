package dev.iotpipeline.bridge.ingest.mqtt;

import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.kafka.RawPublisher;
import dev.iotpipeline.bridge.ingest.kafka.ShadowReports;
import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import dev.iotpipeline.bridge.ingest.routing.Route;
import dev.iotpipeline.bridge.ingest.routing.TopicRouter;
import dev.iotpipeline.bridge.link.Deliveries;
import dev.iotpipeline.bridge.link.DeviceLink;
import dev.iotpipeline.bridge.link.DeviceTopics;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected device. Every method runs on the connection's event loop. A QoS 1 publish is
 * acknowledged only when Kafka has the record, and acknowledgements go out in PUBLISH order.
 * When Kafka fails a send, an MQTT 5 client gets a negative PUBACK; an MQTT 3.1.1 client, which
 * has no negative PUBACK, is disconnected so that it resends what was not acknowledged.
 */
final class MqttSession implements DeviceLink {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSession.class);

    private final MqttEndpoint endpoint;
    private final Device device;
    private final boolean v5;
    private final Context context;
    private final TopicRouter router;
    private final RawPublisher publisher;
    private final BridgeMetrics metrics;
    private final MqttLimits limits;
    private final WarnOnce warnOnce;
    private final AckQueue acks = new AckQueue();
    private final Deliveries deliveries;
    /** Reported shadow states, or null when delivery is off. */
    private final ShadowReports reports;
    /** Whether the device is still in the registry and enabled (removed, erased or disabled since it connected: not). */
    private final BooleanSupplier provisioned;
    /** Granted subscriptions: filter to QoS. Read by the delivery thread. */
    private final Map<String, Integer> subscribed = new ConcurrentHashMap<>();
    /** Event loop only: QoS 1 sends to the device waiting for its PUBACK, by packet id. */
    private final Map<Integer, Runnable> outbound = new HashMap<>();
    /** The last topic published to and its route (this connection's event loop only). */
    private String lastTopic;
    private Optional<Route> lastRoute;
    private long lastGeneration;

    MqttSession(MqttEndpoint endpoint, Device device, boolean v5, Context context, TopicRouter router, RawPublisher publisher,
                BridgeMetrics metrics, MqttLimits limits, WarnOnce warnOnce, Deliveries deliveries, ShadowReports reports,
                BooleanSupplier provisioned) {
        this.endpoint = endpoint;
        this.device = device;
        this.v5 = v5;
        this.context = context;
        this.router = router;
        this.publisher = publisher;
        this.metrics = metrics;
        this.limits = limits;
        this.warnOnce = warnOnce;
        this.deliveries = deliveries;
        this.reports = reports;
        this.provisioned = provisioned;
    }

    void install() {
        endpoint.publishAutoAck(false);
        endpoint.publishHandler(this::publish);
        endpoint.subscribeHandler(subscribe -> subscribe(subscribe.messageId(), subscribe.topicSubscriptions()));
        endpoint.unsubscribeHandler(unsubscribe -> {
            unsubscribe.topics().forEach(subscribed::remove);
            endpoint.unsubscribeAcknowledge(unsubscribe.messageId());
        });
        endpoint.publishAcknowledgeMessageHandler(ack -> {
            Runnable delivered = outbound.remove(ack.messageId());
            if (delivered != null) {
                delivered.run();
            }
        });
        endpoint.exceptionHandler(this::malformed);
        deliveries.connected(this);
    }

    /** The connection closed. */
    void closed() {
        deliveries.disconnected(this);
    }

    @Override
    public String deviceId() {
        return device.id();
    }

    @Override
    public String deviceType() {
        return device.type();
    }

    @Override
    public int subscribedQos(String topic) {
        int qos = -1;
        for (var subscription : subscribed.entrySet()) {
            if (TopicFilters.matches(subscription.getKey(), topic)) {
                qos = Math.max(qos, subscription.getValue());
            }
        }
        return qos;
    }

    @Override
    public void send(String topic, byte[] payload, int qos, Runnable delivered) {
        context.runOnContext(v -> {
            if (!endpoint.isConnected()) {
                return;
            }
            endpoint.publish(topic, Buffer.buffer(payload), MqttQoS.valueOf(qos), false, false).onSuccess(packetId -> {
                if (qos == 0) {
                    delivered.run();
                } else {
                    outbound.put(packetId, delivered);
                }
            }).onFailure(error -> warnOnce.warn(device.id(), "Could not send {} to {}: {}", topic, device.id(), error.toString()));
        });
    }

    private void publish(MqttPublishMessage message) {
        long receivedNanos = System.nanoTime();
        if (!provisioned.getAsBoolean()) {
            // Disabled, removed or erased while connected: nothing more from it is acknowledged or stored.
            violation("not-authorized", MqttDisconnectReasonCode.NOT_AUTHORIZED);
            return;
        }
        if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            violation("qos2-refused", MqttDisconnectReasonCode.QOS_NOT_SUPPORTED);
            return;
        }
        if (v5 && message.properties().getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value()) != null) {
            violation("topic-alias-refused", MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID);
            return;
        }
        String topic = message.topicName();
        if (topic == null || topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
            violation("invalid-topic", MqttDisconnectReasonCode.TOPIC_NAME_INVALID);
            return;
        }
        if (message.payload().length() > limits.maxPayloadBytes()) {
            violation("payload-too-large", MqttDisconnectReasonCode.PACKET_TOO_LARGE);
            return;
        }
        if (reports != null && topic.equals(DeviceTopics.shadowReported(device.type(), device.id()))) {
            reportShadow(message, receivedNanos);
            return;
        }
        Optional<Route> route = route(topic);
        if (route.isEmpty()) {
            refusePublish(message, "unmatched-topic", MqttPubAckReasonCode.TOPIC_NAME_INVALID);
            return;
        }
        if (!route.get().deviceId().equals(device.id()) || !route.get().deviceType().equals(device.type())) {
            metrics.securityRefusal("mqtt", "publish");
            refusePublish(message, "not-authorized", MqttPubAckReasonCode.NOT_AUTHORIZED);
            return;
        }
        boolean qos1 = message.qosLevel() == MqttQoS.AT_LEAST_ONCE;
        if (qos1 && acks.size() >= limits.receiveMaximum()) {
            violation("receive-maximum-exceeded", MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
            return;
        }
        Object handle = qos1 ? acks.add(message.messageId()) : null;
        publisher.publish(new RawPublisher.Received(route.get(), TelemetryHeaders.PROTOCOL_MQTT, topic,
                        message.qosLevel().value(), endpoint.clientIdentifier(), System.currentTimeMillis(), v5 ? PublishProperties.contentType(message.properties()) : null,
                        v5 ? PublishProperties.userProperties(message.properties()) : List.of()), message.payload().getBytes())
                .whenComplete((metadata, error) -> context.runOnContext(v -> {
                    count(error, receivedNanos);
                    if (qos1) {
                        acks.complete(handle, error, this::acknowledge);
                    }
                }));
    }

    /** The route of {@code topic}: a device publishes to the same topic again and again, and the rules seldom change. */
    private Optional<Route> route(String topic) {
        long generation = router.generation();
        if (!topic.equals(lastTopic) || generation != lastGeneration) {
            lastRoute = router.route(topic);
            lastTopic = topic;
            lastGeneration = generation;
        }
        return lastRoute;
    }

    /** A device's reported state, acknowledged like telemetry: only once Kafka has it. */
    private void reportShadow(MqttPublishMessage message, long receivedNanos) {
        boolean qos1 = message.qosLevel() == MqttQoS.AT_LEAST_ONCE;
        if (qos1 && acks.size() >= limits.receiveMaximum()) {
            violation("receive-maximum-exceeded", MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
            return;
        }
        Object handle = qos1 ? acks.add(message.messageId()) : null;
        reports.report(device.id(), device.type(), message.payload().getBytes()).whenComplete((metadata, error) -> context.runOnContext(v -> {
            Throwable outcome = error instanceof ShadowReports.InvalidReportException
                    ? new RefusedPublish(MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID) : error;
            if (error instanceof ShadowReports.InvalidReportException) {
                metrics.refused("mqtt", "invalid-shadow-report");
                warnOnce.warn(device.id(), "Refused a shadow report of {}: {}", device.id(), error.getMessage());
            } else {
                count(error, receivedNanos);
            }
            if (qos1) {
                acks.complete(handle, outcome, this::acknowledge);
            } else if (outcome instanceof RefusedPublish && v5) {
                endpoint.disconnect(MqttDisconnectReasonCode.PAYLOAD_FORMAT_INVALID, MqttProperties.NO_PROPERTIES);
            }
        }));
    }

    private void count(Throwable error, long receivedNanos) {
        if (error == null) {
            metrics.accepted("mqtt", device.type(), receivedNanos);
        } else if (error instanceof RawPublisher.OverBudgetException) {
            metrics.refused("mqtt", "inflight-bytes-exceeded");
        } else if (error instanceof RawPublisher.RateLimitedException) {
            metrics.refused("mqtt", "rate-limited");
        } else {
            metrics.refused("mqtt", "kafka-unavailable");
            metrics.kafkaError(error);
        }
    }

    private void acknowledge(int messageId, Throwable error) {
        if (!endpoint.isConnected()) {
            return;
        }
        if (error == null) {
            endpoint.publishAcknowledge(messageId);
            return;
        }
        if (error instanceof RefusedPublish refused) {
            if (v5) {
                endpoint.publishAcknowledge(messageId, refused.code, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.close(); // MQTT 3.1.1 has no negative PUBACK
            }
            return;
        }
        boolean overBudget = error instanceof RawPublisher.OverBudgetException || error instanceof RawPublisher.RateLimitedException;
        warnOnce.warn(device.id(), "Message {} of {} not stored ({}); the device is told to retry", messageId, device.id(),
                error.toString());
        if (v5) {
            MqttProperties reason = new MqttProperties();
            reason.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                    overBudget ? error.getMessage() + ", retry later" : "kafka unavailable, retry later"));
            endpoint.publishAcknowledge(messageId, overBudget ? MqttPubAckReasonCode.QUOTA_EXCEEDED
                    : MqttPubAckReasonCode.UNSPECIFIED_ERROR, reason);
        } else {
            // MQTT 3.1.1 has no negative PUBACK: close, so the client resends what was not acknowledged.
            endpoint.close();
        }
    }

    private void refusePublish(MqttPublishMessage message, String reason, MqttPubAckReasonCode code) {
        metrics.refused("mqtt", reason);
        warnOnce.warn(device.id(), "Refused a publish from {} to '{}': {}", device.id(), message.topicName(), reason);
        if (v5 && message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            // In order with the acknowledgements still waiting for Kafka.
            acks.complete(acks.add(message.messageId()), new RefusedPublish(code), this::acknowledge);
        } else if (v5) {
            endpoint.disconnect(reason.equals("not-authorized") ? MqttDisconnectReasonCode.NOT_AUTHORIZED
                    : MqttDisconnectReasonCode.TOPIC_NAME_INVALID, MqttProperties.NO_PROPERTIES);
        } else {
            endpoint.close();
        }
    }

    /** A publish refused before Kafka: its negative PUBACK waits for the publishes before it. */
    private static final class RefusedPublish extends RuntimeException {
        final MqttPubAckReasonCode code;

        RefusedPublish(MqttPubAckReasonCode code) {
            super(code.name(), null, false, false);
            this.code = code;
        }
    }

    private void violation(String reason, MqttDisconnectReasonCode code) {
        metrics.refused("mqtt", reason);
        warnOnce.warn(device.id(), "Disconnecting {}: {}", device.id(), reason);
        if (v5) {
            endpoint.disconnect(code, MqttProperties.NO_PROPERTIES);
        } else {
            endpoint.close();
        }
    }

    /** A packet the decoder could not read, or the connection failing; Vert.x closes the connection after this. */
    private void malformed(Throwable error) {
        if (error instanceof IOException && !(error instanceof SSLException)) {
            // A reset or a broken pipe: the device or its network went away. That is a disconnect, not a bad packet.
            LOG.debug("The connection of {} failed: {}", device.id(), error.toString());
            return;
        }
        boolean tooLarge = error instanceof TooLongFrameException || String.valueOf(error.getMessage()).contains("too large");
        String reason = tooLarge ? "packet-too-large" : "malformed-packet";
        metrics.refused("mqtt", reason);
        warnOnce.warn(device.id(), "Closing the connection of {}: {} ({})", device.id(), reason, error.toString());
        if (v5 && endpoint.isConnected()) {
            endpoint.disconnect(tooLarge ? MqttDisconnectReasonCode.PACKET_TOO_LARGE : MqttDisconnectReasonCode.MALFORMED_PACKET,
                    MqttProperties.NO_PROPERTIES);
        }
    }

    private void subscribe(int messageId, List<MqttTopicSubscription> subscriptions) {
        List<MqttSubAckReasonCode> codes = new ArrayList<>();
        List<MqttQoS> granted = new ArrayList<>();
        for (MqttTopicSubscription subscription : subscriptions) {
            boolean allowed = DeviceTopics.maySubscribe(device.type(), device.id(), subscription.topicName());
            MqttQoS qos = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
            if (!allowed) {
                metrics.refused("mqtt", "subscribe-not-authorized");
                metrics.securityRefusal("mqtt", "subscribe");
                warnOnce.warn(device.id(), "Refused subscription of {} to '{}'", device.id(), subscription.topicName());
            }
            codes.add(allowed ? MqttSubAckReasonCode.qosGranted(qos) : MqttSubAckReasonCode.NOT_AUTHORIZED);
            granted.add(allowed ? qos : MqttQoS.FAILURE);
            if (allowed) {
                subscribed.put(subscription.topicName(), qos.value());
            }
        }
        if (v5) {
            endpoint.subscribeAcknowledge(messageId, codes, MqttProperties.NO_PROPERTIES);
        } else {
            endpoint.subscribeAcknowledge(messageId, granted);
        }
        deliveries.subscribed(this);
    }
}
