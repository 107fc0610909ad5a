package dev.iotpipeline.bridge.ingest.http;

import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.ConnectionCounter;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP listeners' connection limits, total and per source address, counted from accept to
 * close. A connection past them gets a 503 with {@code Retry-After} and is closed before its
 * request is read.
 *
 * <p>This runs as the server's connection handler, which Vert.x calls at accept only when it does
 * not first wait for a client's bytes to tell HTTP/1.1 from HTTP/2 cleartext: the listeners turn
 * h2c off (with it on, a connection that sends nothing never reaches this handler and is never
 * counted). A connection is counted until its Netty channel closes, not until the connection's own
 * close handler, which no longer fires once the connection has become a WebSocket (MQTT over
 * WebSocket counts here too).
 */
final class ConnectionCap implements Handler<HttpConnection> {

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

    @Override
    public void handle(HttpConnection connection) {
        String address = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
        Channel channel = ((HttpServerConnection) connection).channelHandlerContext().channel();
        String refused = open.tryOpen(address);
        if (refused != null) {
            metrics.refused("http", refused);
            warnOnce.warn("http " + address, "Refused an HTTP connection from {}: {}", address, refused);
            refuse(channel, refused);
            return;
        }
        channel.closeFuture().addListener(closed -> open.close(address));
    }

    /** Writes the 503 beneath the HTTP encoder (through TLS, if any), as no request is there to answer, then closes. */
    private void refuse(Channel channel, String reason) {
        ChannelHandlerContext encoder = channel.pipeline().context("httpEncoder");
        if (encoder == null) {
            channel.close();
            return;
        }
        byte[] body = new JsonObject().put("error", reason).put("message", "The bridge has too many HTTP connections; retry later")
                .encode().getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: " + retryAfterSeconds
                + "\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n";
        encoder.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
