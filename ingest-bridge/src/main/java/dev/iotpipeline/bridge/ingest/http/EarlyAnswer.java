package dev.iotpipeline.bridge.ingest.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * An answer the HTTP listeners write themselves, when there is no request for Vert.x to answer (a
 * connection refused at accept, a request head that never came): a status with a JSON error body
 * and {@code Connection: close}, written beneath the HTTP encoder (through TLS, if any), then the
 * connection is closed.
 */
final class EarlyAnswer {

    private EarlyAnswer() {
    }

    /**
     * @param statusLine e.g. {@code 503 Service Unavailable}
     * @param extraHeaders more header lines, each ending in CRLF, or an empty string
     */
    static void writeAndClose(Channel channel, String statusLine, String extraHeaders, String reason, String message) {
        ChannelHandlerContext encoder = channel.pipeline().context("httpEncoder");
        if (encoder == null) {
            channel.close();
            return;
        }
        byte[] body = new JsonObject().put("error", reason).put("message", message).encode().getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + statusLine + "\r\nContent-Type: application/json\r\n" + extraHeaders
                + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n";
        encoder.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
