package dev.iotpipeline.registry.client;

/** The registry refused a schema because it breaks the subject's compatibility rule (HTTP 409). */
public class IncompatibleSchemaException extends SchemaRegistryException {

    private final String subject;
    private final String registryMessage;

    public IncompatibleSchemaException(String subject, int httpStatus, int errorCode, String registryMessage) {
        super("Schema for subject '" + subject + "' is incompatible with its earlier versions: " + registryMessage,
                httpStatus, errorCode);
        this.subject = subject;
        this.registryMessage = registryMessage;
    }

    public String subject() {
        return subject;
    }

    /** The registry's own explanation, verbatim. */
    public String registryMessage() {
        return registryMessage;
    }
}
