package dev.iotpipeline.registry.client;

import org.apache.kafka.common.KafkaException;

/** A schema registry request failed; subclasses say what failed. */
public class SchemaRegistryException extends KafkaException {

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    /** HTTP status of the registry's answer, or -1 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's {@code error_code}, or -1 when there was none. */
    public int errorCode() {
        return errorCode;
    }

    /** Whether the same request may succeed later (the registry was unreachable or overloaded). */
    public boolean retriable() {
        return false;
    }
}
