package dev.iotpipeline.schemas.config;

/**
 * A documented configuration key of a service.
 *
 * @param name the key, e.g. {@code mqtt.port}
 * @param defaultValue its default; null for a required key
 * @param doc what it means, as the service's README documents it
 */
public record ConfigKey(String name, String defaultValue, String doc) {
}
