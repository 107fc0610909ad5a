package dev.iotpipeline.bridge.ingest.http;

import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.ConnectionCounter;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import io.netty.channel.Channel;

/**
 * The HTTP listeners' connection limits, total and per source address, counted from accept to
 * close. A connection past them gets a 503 with {@code Retry-After} and is closed before its
 * request is read.
 *
 * <p>This runs from the server's connection handler, which Vert.x calls at accept only when it does
 * not first wait for a client's bytes to tell HTTP/1.1 from HTTP/2 cleartext: the listeners turn
 * h2c off (with it on, a connection that sends nothing never reaches this handler and is never
 * counted). A connection is counted until its Netty channel closes, not until the connection's own
 * close handler, which no longer fires once the connection has become a WebSocket (MQTT over
 * WebSocket counts here too).
 */
final class ConnectionCap {

    private final ConnectionCounter open;
    private final BridgeMetrics metrics;
    private final WarnOnce warnOnce;
    private final int retryAfterSeconds;

    ConnectionCap(ConnectionCounter open, BridgeMetrics metrics, WarnOnce warnOnce, int retryAfterSeconds) {
        this.open = open;
        this.metrics = metrics;
        this.warnOnce = warnOnce;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Counts the connection until it closes and returns true, or answers it 503, closes it and returns false. */
    boolean admit(Channel channel, String address) {
        String refused = open.tryOpen(address);
        if (refused != null) {
            metrics.refused("http", refused);
            warnOnce.warn("http " + address + " " + refused, "Refused an HTTP connection from {}: {}", address, refused);
            EarlyAnswer.writeAndClose(channel, "503 Service Unavailable", "Retry-After: " + retryAfterSeconds + "\r\n", refused,
                    "The bridge has too many HTTP connections; retry later");
            return false;
        }
        channel.closeFuture().addListener(closed -> open.close(address));
        return true;
    }
}
