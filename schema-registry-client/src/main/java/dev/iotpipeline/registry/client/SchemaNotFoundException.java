package dev.iotpipeline.registry.client;

/** The subject does not exist, or does not have the schema that was looked up. */
public class SchemaNotFoundException extends SchemaRegistryException {

    private final String subject;

    public SchemaNotFoundException(String subject, String url, int httpStatus, int errorCode, String registryMessage) {
        super("Schema registry at " + url + " has no such schema under subject '" + subject + "': " + registryMessage,
                httpStatus, errorCode);
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }
}
