package dev.iotpipeline.bridge.ingest.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A provisioned device.
 *
 * @param id the device id: MQTT username and client id, HTTP user
 * @param type the device type, e.g. env-sensor
 * @param secretHash PBKDF2 hash of the device's secret ({@link PasswordHash})
 * @param enabled a disabled device cannot connect
 */
public record Device(@JsonProperty("id") String id, @JsonProperty("type") String type,
                     @JsonProperty("secret_hash") String secretHash, @JsonProperty("enabled") boolean enabled) {
}
