package dev.iotpipeline.registry.client;

/** The registry has no schema with the requested id. */
public class UnknownSchemaIdException extends SchemaRegistryException {

    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, String url, int httpStatus, int errorCode) {
        super("Schema id " + schemaId + " is unknown to the schema registry at " + url, httpStatus, errorCode);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
