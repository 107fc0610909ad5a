package dev.iotpipeline.bridge.mqtt;

import dev.iotpipeline.bridge.auth.Device;
import dev.iotpipeline.bridge.auth.DeviceRegistry;
import dev.iotpipeline.bridge.kafka.RawPublisher;
import dev.iotpipeline.bridge.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.routing.Route;
import dev.iotpipeline.bridge.routing.TopicRouter;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT 3.1.1 / 5 listener. A device connects with username = its id, password = its secret
 * and client id = its id; it may publish only under its own id and type, and subscribe only to its
 * own command topics and its type's broadcasts. A QoS 1 PUBACK is sent only from the Kafka
 * acknowledgement. QoS 2 is refused (MQTT 5 advertises Maximum QoS 1; a QoS 2 publish ends the
 * connection with "QoS not supported", MQTT 3.1.1 closes it).
 */
public final class MqttIngest {

    static final int MQTT_5 = 5;
    private static final Logger LOG = LoggerFactory.getLogger(MqttIngest.class);

    private final Vertx vertx;
    private final DeviceRegistry devices;
    private final TopicRouter router;
    private final RawPublisher publisher;
    private final BridgeMetrics metrics;
    private final int maxPayloadBytes;
    private final int maxConnections;
    private final int receiveMaximum;
    private final int connectTimeoutSeconds;

    public MqttIngest(Vertx vertx, DeviceRegistry devices, TopicRouter router, RawPublisher publisher, BridgeMetrics metrics,
                      int maxPayloadBytes, int maxConnections, int receiveMaximum, int connectTimeoutSeconds) {
        this.vertx = vertx;
        this.devices = devices;
        this.router = router;
        this.publisher = publisher;
        this.metrics = metrics;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxConnections = maxConnections;
        this.receiveMaximum = receiveMaximum;
        this.connectTimeoutSeconds = connectTimeoutSeconds;
    }

    /** Starts a TCP listener; resolves to the server (its actual port). */
    public Future<MqttServer> listen(String host, int port) {
        MqttServerOptions options = new MqttServerOptions().setHost(host).setPort(port)
                // Room for the MQTT fixed header and topic on top of the largest payload.
                .setMaxMessageSize(maxPayloadBytes + 1024)
                .setTimeoutOnConnect(connectTimeoutSeconds)
                .setAutoClientId(false);
        return MqttServer.create(vertx, options).endpointHandler(this::connect).listen();
    }

    private void connect(MqttEndpoint endpoint) {
        boolean v5 = endpoint.protocolVersion() == MQTT_5;
        if (metrics.connections().get() >= maxConnections) {
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, "too-many-connections");
            return;
        }
        String username = endpoint.auth() == null ? null : endpoint.auth().getUsername();
        String password = endpoint.auth() == null ? null : endpoint.auth().getPassword();
        Optional<Device> device = devices.authenticate(username, password);
        if (device.isEmpty()) {
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, "bad-credentials");
            return;
        }
        if (!device.get().id().equals(endpoint.clientIdentifier())) {
            refuse(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "client-id-mismatch");
            return;
        }
        // Accept synchronously: a PUBLISH pipelined right after CONNECT must find the handlers in place.
        Session session = new Session(endpoint, device.get(), v5, Vertx.currentContext());
        endpoint.publishAutoAck(false);
        endpoint.publishHandler(message -> session.publish(message));
        endpoint.subscribeHandler(subscribe -> session.subscribe(subscribe.messageId(), subscribe.topicSubscriptions()));
        endpoint.unsubscribeHandler(unsubscribe -> endpoint.unsubscribeAcknowledge(unsubscribe.messageId()));
        endpoint.closeHandler(v -> metrics.connections().decrementAndGet());
        metrics.connections().incrementAndGet();
        endpoint.accept(false, v5 ? serverProperties() : MqttProperties.NO_PROPERTIES);
        LOG.debug("Device {} connected (MQTT {})", device.get().id(), v5 ? "5" : "3.1.1");
    }

    private MqttProperties serverProperties() {
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), receiveMaximum));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(),
                maxPayloadBytes + 1024));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_QOS.value(), 1));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 0));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
        return properties;
    }

    private void refuse(MqttEndpoint endpoint, MqttConnectReturnCode code, String reason) {
        metrics.refused("mqtt", reason);
        LOG.info("Refused MQTT connection of client '{}': {}", endpoint.clientIdentifier(), reason);
        endpoint.reject(code);
    }

    /** One connected device. All methods run on the connection's event loop. */
    private final class Session {
        private final MqttEndpoint endpoint;
        private final Device device;
        private final boolean v5;
        private final Context context;
        private int inFlight;

        Session(MqttEndpoint endpoint, Device device, boolean v5, Context context) {
            this.endpoint = endpoint;
            this.device = device;
            this.v5 = v5;
            this.context = context;
        }

        void publish(MqttPublishMessage message) {
            if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
                violation("qos2-refused", MqttDisconnectReasonCode.QOS_NOT_SUPPORTED);
                return;
            }
            if (v5 && message.properties().getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value()) != null) {
                violation("topic-alias-refused", MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID);
                return;
            }
            if (message.payload().length() > maxPayloadBytes) {
                violation("payload-too-large", MqttDisconnectReasonCode.PACKET_TOO_LARGE);
                return;
            }
            Optional<Route> route = router.route(message.topicName());
            if (route.isEmpty()) {
                refusePublish(message, "unmatched-topic", MqttPubAckReasonCode.TOPIC_NAME_INVALID);
                return;
            }
            if (!route.get().deviceId().equals(device.id()) || !route.get().deviceType().equals(device.type())) {
                refusePublish(message, "not-authorized", MqttPubAckReasonCode.NOT_AUTHORIZED);
                return;
            }
            boolean qos1 = message.qosLevel() == MqttQoS.AT_LEAST_ONCE;
            if (qos1 && ++inFlight > receiveMaximum) {
                violation("receive-maximum-exceeded", MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
                return;
            }
            long received = System.currentTimeMillis();
            publisher.publish(new RawPublisher.Received(route.get(), TelemetryHeaders.PROTOCOL_MQTT, message.topicName(),
                    message.qosLevel().value(), endpoint.clientIdentifier(), received, contentType(message),
                    userProperties(message)), message.payload().getBytes())
                    .whenComplete((metadata, error) -> context.runOnContext(v -> acknowledge(message, qos1, error)));
        }

        private void acknowledge(MqttPublishMessage message, boolean qos1, Throwable error) {
            if (qos1) {
                inFlight--;
            }
            if (!endpoint.isConnected()) {
                return;
            }
            if (error == null) {
                metrics.accepted("mqtt", device.type());
                if (qos1) {
                    endpoint.publishAcknowledge(message.messageId());
                }
                return;
            }
            metrics.refused("mqtt", "kafka-unavailable");
            LOG.warn("Kafka did not take a message from {}: {}; the device is told to retry", device.id(), error.toString());
            if (qos1 && v5) {
                MqttProperties reason = new MqttProperties();
                reason.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                        "kafka unavailable, retry later"));
                endpoint.publishAcknowledge(message.messageId(), MqttPubAckReasonCode.UNSPECIFIED_ERROR, reason);
            } else if (qos1) {
                // MQTT 3.1.1 has no negative PUBACK: close, so the client resends the unacknowledged message.
                endpoint.close();
            }
        }

        private void refusePublish(MqttPublishMessage message, String reason, MqttPubAckReasonCode code) {
            metrics.refused("mqtt", reason);
            LOG.info("Refused a publish from {} to '{}': {}", device.id(), message.topicName(), reason);
            if (v5 && message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                endpoint.publishAcknowledge(message.messageId(), code, MqttProperties.NO_PROPERTIES);
            } else if (v5) {
                endpoint.disconnect(reason.equals("not-authorized") ? MqttDisconnectReasonCode.NOT_AUTHORIZED
                        : MqttDisconnectReasonCode.TOPIC_NAME_INVALID, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.close();
            }
        }

        private void violation(String reason, MqttDisconnectReasonCode code) {
            metrics.refused("mqtt", reason);
            LOG.info("Disconnecting {}: {}", device.id(), reason);
            if (v5) {
                endpoint.disconnect(code, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.close();
            }
        }

        void subscribe(int messageId, List<MqttTopicSubscription> subscriptions) {
            List<MqttSubAckReasonCode> codes = new ArrayList<>();
            List<MqttQoS> granted = new ArrayList<>();
            for (MqttTopicSubscription subscription : subscriptions) {
                boolean allowed = CommandTopics.maySubscribe(device, subscription.topicName());
                MqttQoS qos = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
                if (!allowed) {
                    metrics.refused("mqtt", "subscribe-not-authorized");
                    LOG.info("Refused subscription of {} to '{}'", device.id(), subscription.topicName());
                }
                codes.add(allowed ? MqttSubAckReasonCode.qosGranted(qos) : MqttSubAckReasonCode.NOT_AUTHORIZED);
                granted.add(allowed ? qos : MqttQoS.FAILURE);
            }
            if (v5) {
                endpoint.subscribeAcknowledge(messageId, codes, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.subscribeAcknowledge(messageId, granted);
            }
        }

        private String contentType(MqttPublishMessage message) {
            if (!v5) {
                return null;
            }
            var property = message.properties().getProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value());
            return property == null ? null : property.value().toString();
        }

        private Map<String, String> userProperties(MqttPublishMessage message) {
            Map<String, String> properties = new LinkedHashMap<>();
            if (v5) {
                for (var property : message.properties().getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value())) {
                    if (property instanceof MqttProperties.UserProperties user) {
                        user.value().forEach(pair -> properties.put(pair.key, pair.value));
                    } else if (property instanceof MqttProperties.UserProperty user) {
                        properties.put(user.value().key, user.value().value);
                    }
                }
            }
            return properties;
        }
    }
}
