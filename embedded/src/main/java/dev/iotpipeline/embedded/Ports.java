package dev.iotpipeline.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks for the servers the pipeline starts. */
public final class Ports {

    private Ports() {
    }

    /** Fails with a {@link PortInUseException} naming the server if the port is taken on the host. */
    public static void requireFree(String server, String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new PortInUseException(server, host, port, e);
        }
    }

    /**
     * A port that was free on the host a moment ago (for tests; another process may still take it).
     * It is drawn from below the kernel's ephemeral range (32768 and up on Linux), so the source port
     * of an outgoing connection or a listener on port 0 cannot take it before the server binds, and
     * it is never handed out twice in one JVM.
     */
    public static int freePort(String host) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = FIRST_PORT + RANDOM.nextInt(LAST_PORT - FIRST_PORT);
            if (HANDED_OUT.add(port) && bindable(host, port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port between " + FIRST_PORT + " and " + LAST_PORT + " on " + host);
    }

    private static final int FIRST_PORT = 20_000;
    private static final int LAST_PORT = 32_000;
    private static final java.util.Random RANDOM = new java.util.Random();
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static boolean bindable(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
