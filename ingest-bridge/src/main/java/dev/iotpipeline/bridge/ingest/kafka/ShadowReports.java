package dev.iotpipeline.bridge.ingest.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.registry.client.SchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.ShadowState;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A device's reported shadow state (a JSON object it publishes to
 * {@code shadow/<type>/<id>/reported}) written to {@code iot.shadow.reported} as Avro. Device data
 * going to Kafka, so it lives in the ingest room and is acknowledged like telemetry: only once
 * Kafka has the record. The streams app turns reports and desired state into the shadow.
 */
public final class ShadowReports {

    /** The report is not a JSON object: refused (MQTT 5: PUBACK 0x99 payload format invalid). */
    public static final class InvalidReportException extends IllegalArgumentException {
        InvalidReportException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RawPublisher publisher;
    private final ConfluentAvroSerializer<ShadowState> serializer;

    public ShadowReports(RawPublisher publisher, SchemaRegistryClient registry) {
        this.publisher = publisher;
        this.serializer = new ConfluentAvroSerializer<>(registry);
    }

    /**
     * Completes when Kafka has the report; fails with {@link InvalidReportException} for anything
     * but a JSON object, or with the registry's or Kafka's error (the device retries).
     */
    public CompletableFuture<RecordMetadata> report(String deviceId, String deviceType, byte[] json) {
        JsonNode state;
        try {
            state = JSON.readTree(json);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new InvalidReportException("the reported state is not JSON: " + e.getMessage()));
        }
        if (state == null || !state.isObject()) {
            return CompletableFuture.failedFuture(new InvalidReportException("the reported state must be a JSON object"));
        }
        ShadowState value = ShadowState.newBuilder().setDeviceId(deviceId).setDeviceType(deviceType)
                .setState(state.toString()).setUpdatedTime(Instant.now()).build();
        try {
            return publisher.publishRecord(Topics.SHADOW_REPORTED, deviceId, serializer.serialize(Topics.SHADOW_REPORTED, value));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // the registry could not be reached: the device retries
        }
    }
}
