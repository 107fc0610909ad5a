package dev.iotpipeline.bridge.ingest.routing;

/** Where a device message goes: the device it names, its format, and the raw Kafka topic. */
public record Route(String deviceId, String deviceType, String version, String kafkaTopic) {
}
