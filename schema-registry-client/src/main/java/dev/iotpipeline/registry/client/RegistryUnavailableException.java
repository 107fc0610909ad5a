package dev.iotpipeline.registry.client;

/** The registry could not be reached or answered with a server error; retrying later may succeed. */
public class RegistryUnavailableException extends SchemaRegistryException {

    private final String url;

    public RegistryUnavailableException(String url, String detail, Throwable cause) {
        super("Schema registry at " + url + " is unavailable (retriable): " + detail, cause);
        this.url = url;
    }

    public RegistryUnavailableException(String url, int httpStatus, int errorCode, String detail) {
        super("Schema registry at " + url + " is unavailable (retriable): HTTP " + httpStatus + " " + detail,
                httpStatus, errorCode);
        this.url = url;
    }

    /** The registry URL that failed. */
    public String url() {
        return url;
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
