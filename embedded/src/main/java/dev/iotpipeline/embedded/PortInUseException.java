package dev.iotpipeline.embedded;

/** A server could not start because its port is already taken on its address. */
public class PortInUseException extends IllegalStateException {

    private final String server;
    private final String host;
    private final int port;

    public PortInUseException(String server, String host, int port, Throwable cause) {
        super(server + " cannot listen on " + host + ":" + port + ": the port is already in use. "
                + "Stop whatever uses it or choose another port.", cause);
        this.server = server;
        this.host = host;
        this.port = port;
    }

    public String server() {
        return server;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
