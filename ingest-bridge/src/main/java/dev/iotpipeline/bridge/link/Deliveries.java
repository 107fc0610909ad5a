package dev.iotpipeline.bridge.link;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;

/**
 * The one door from the ingest room (device connections) to the delivery room (Kafka to devices):
 * sessions register and unregister their {@link DeviceLink}, say when a device subscribed, and an
 * HTTP device asks for the work its answer should carry. Every method returns at once; delivery
 * happens on the delivery room's own thread.
 */
public interface Deliveries {

    /** Delivery switched off (no schema registry): nothing is ever delivered. */
    Deliveries NONE = new Deliveries() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void connected(DeviceLink device) {
        }

        @Override
        public void disconnected(DeviceLink device) {
        }

        @Override
        public void subscribed(DeviceLink device) {
        }

        @Override
        public CompletableFuture<ObjectNode> pendingWork(String deviceId, String deviceType) {
            return CompletableFuture.completedFuture(JsonNodeFactory.instance.objectNode());
        }
    };

    /** Whether commands and shadows are delivered at all (devices may then also report shadow state). */
    boolean enabled();

    /** A device connected and its session can send. */
    void connected(DeviceLink device);

    /** The device's connection closed (ignored unless it is still the registered one: a reconnect may have replaced it). */
    void disconnected(DeviceLink device);

    /** The device subscribed: it is sent what it has not received yet that its subscriptions now match. */
    void subscribed(DeviceLink device);

    /**
     * What an HTTP device's telemetry answer carries: {@code "commands"} (then counted as delivered,
     * since the answer carries them) and {@code "shadow"} (its delta, when not empty).
     */
    CompletableFuture<ObjectNode> pendingWork(String deviceId, String deviceType);
}
