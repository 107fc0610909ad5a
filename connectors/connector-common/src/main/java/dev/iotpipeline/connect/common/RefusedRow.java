package dev.iotpipeline.connect.common;

/**
 * A reading of a batch that a sink does not store, and why.
 *
 * @param position the reading's index in the batch, from 0
 * @param deviceId as the reading carries it (possibly the offending value), null if absent
 * @param messageId as the reading carries it, null if absent
 * @param reason a stable code, e.g. {@code control-character:message_id} or {@code database:22021}
 * @param message a readable explanation
 */
public record RefusedRow(int position, String deviceId, String messageId, String reason, String message) {
}
