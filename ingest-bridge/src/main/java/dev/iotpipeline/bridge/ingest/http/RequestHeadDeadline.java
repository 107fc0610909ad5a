package dev.iotpipeline.bridge.ingest.http;

import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A deadline for each request head (request line and headers, the {@code /mqtt} WebSocket upgrade
 * included) on the HTTP listeners, however slowly a client trickles its bytes: Vert.x's idle
 * timeout restarts with every byte, so without it a client sending one byte at a time holds a
 * connection for good. The first head must be complete within {@code http.request.head.timeout.s}
 * of the accept (for HTTPS, of the end of the TLS handshake, which has that time too). On a
 * keep-alive connection the next head gets the same time from its first byte read after the
 * previous response was written (until then the connection is idle, which the idle timeout
 * bounds, or waits for the bridge, which is not the client's fault). Past the deadline the
 * connection is answered 408 (when no response of its own is under way) and closed, counted as a
 * refusal {@value #REASON} and warned about once per address.
 *
 * <p>Two Netty handlers per connection share its state on its event loop: one before the HTTP
 * decoder sees that bytes arrive, one after it sees decoded request heads and request ends and,
 * outbound, the ends of responses. A {@code 101 Switching Protocols} removes both: from there the
 * connection is a WebSocket, and MQTT's CONNECT deadline takes over at the relay.
 */
final class RequestHeadDeadline {

    static final String REASON = "request-head-deadline";

    private final long deadlineMillis;
    private final BridgeMetrics metrics;
    private final WarnOnce warnOnce;

    RequestHeadDeadline(long deadlineMillis, BridgeMetrics metrics, WarnOnce warnOnce) {
        this.deadlineMillis = deadlineMillis;
        this.metrics = metrics;
        this.warnOnce = warnOnce;
    }

    /** Starts the first head's deadline on an HTTP/1.x connection just accepted. */
    void watch(Channel channel, String address) {
        if (channel.pipeline().get("httpDecoder") == null || channel.pipeline().get("handler") == null) {
            return; // not an HTTP/1.x pipeline: nothing here to time
        }
        Watch watch = new Watch(channel, address);
        channel.pipeline().addBefore("httpDecoder", "requestHeadBytes", watch.bytes);
        channel.pipeline().addBefore("handler", "requestHeadDeadline", watch.messages);
        channel.closeFuture().addListener(closed -> watch.cancel());
        watch.maybeArm();
    }

    /** One connection's state; touched only on its event loop. */
    private final class Watch {

        private final Channel channel;
        private final String address;
        private final ChannelHandler bytes = new Bytes();
        private final ChannelHandler messages = new Messages();
        /** Between two requests (or before the first): the next thing the client owes is a head. */
        private boolean awaitingHead = true;
        /** Bytes of the next head have arrived; the first head counts from accept. */
        private boolean headStarted = true;
        /** Requests whose response is not completely written yet. */
        private int unanswered;
        private ScheduledFuture<?> timer;

        Watch(Channel channel, String address) {
            this.channel = channel;
            this.address = address;
        }

        void maybeArm() {
            if (awaitingHead && headStarted && unanswered == 0 && timer == null) {
                timer = channel.eventLoop().schedule(this::expire, deadlineMillis, TimeUnit.MILLISECONDS);
            }
        }

        void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        private void expire() {
            timer = null;
            if (!awaitingHead || !channel.isActive()) {
                return;
            }
            metrics.refused("http", REASON);
            warnOnce.warn("http " + address + " " + REASON, "Closed an HTTP connection from {}: {} (no complete request head within {} ms)",
                    address, REASON, deadlineMillis);
            if (unanswered == 0) {
                EarlyAnswer.writeAndClose(channel, "408 Request Timeout", "", REASON,
                        "The request line and headers were not complete within " + deadlineMillis + " ms");
            } else {
                channel.close();
            }
        }

        private void detach() {
            cancel();
            awaitingHead = false;
            if (channel.pipeline().context(bytes) != null) {
                channel.pipeline().remove(bytes);
            }
            if (channel.pipeline().context(messages) != null) {
                channel.pipeline().remove(messages);
            }
        }

        /** Before the decoder: bytes arrived. */
        private final class Bytes extends ChannelInboundHandlerAdapter {

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (awaitingHead && msg instanceof ByteBuf buffer && buffer.isReadable()) {
                    headStarted = true;
                    maybeArm();
                }
                super.channelRead(ctx, msg);
            }
        }

        /** After the decoder: heads and ends of requests in, ends of responses out. */
        private final class Messages extends ChannelDuplexHandler {

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (msg instanceof HttpRequest) {
                    awaitingHead = false;
                    unanswered++;
                    cancel();
                }
                if (msg instanceof LastHttpContent) {
                    awaitingHead = true;
                    headStarted = false;
                }
                super.channelRead(ctx, msg);
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
                if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                    super.write(ctx, msg, promise); // 100 Continue ends no response
                    if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                        detach();
                    }
                    return;
                }
                super.write(ctx, msg, promise);
                if (msg instanceof LastHttpContent && unanswered > 0) {
                    unanswered--;
                    maybeArm();
                }
            }
        }
    }
}
