package dev.iotpipeline.bridge.ingest.mqtt;

import dev.iotpipeline.bridge.ingest.metrics.BridgeMetrics;
import dev.iotpipeline.bridge.ingest.net.AcceptHook;
import dev.iotpipeline.bridge.ingest.net.ConnectionCounter;
import dev.iotpipeline.bridge.ingest.net.WarnOnce;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;

/**
 * Limits on MQTT connections that are not yet authenticated, applied from the moment a listener
 * accepts one (TCP, TLS after its handshake, the WebSocket relay after its PROXY header): at most
 * {@code max.pending.connections} of them in total and {@code max.pending.connections.per.address}
 * from one address (more are closed at once, before a byte is read), and each must have sent a
 * complete CONNECT within {@code mqtt.connect.timeout.s} of its accept however it trickles its
 * bytes (Vert.x's own CONNECT timeout is an idle timer that every byte restarts). A connection stops
 * counting as pending when the bridge sends it a CONNACK that accepts it, or when it closes.
 *
 * <p>A Netty handler between the MQTT decoder and Vert.x sees the decoded CONNECT (the deadline is
 * met) and the outgoing CONNACK (authenticated), so nothing depends on how the endpoint handler
 * gets there. Everything per connection runs on its event loop.
 */
final class PreAuthGuard implements AcceptHook {

    static final String DEADLINE = "connect-deadline";

    private final ConnectionCounter pending;
    private final long deadlineMillis;
    private final BridgeMetrics metrics;
    private final WarnOnce warnOnce;

    PreAuthGuard(ConnectionCounter pending, long deadlineMillis, BridgeMetrics metrics, WarnOnce warnOnce) {
        this.pending = pending;
        this.deadlineMillis = deadlineMillis;
        this.metrics = metrics;
        this.warnOnce = warnOnce;
    }

    @Override
    public void accepted(NetSocketInternal socket, Handler<NetSocket> next) {
        String address = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
        String refused = pending.tryOpen(address);
        if (refused != null) {
            refuse(address, refused);
            socket.close();
            return;
        }
        next.handle(socket); // the MQTT server builds its pipeline: decoder, encoder, its handler last
        Channel channel = socket.channelHandlerContext().channel();
        Watch watch = new Watch(address, channel);
        channel.pipeline().addBefore("handler", "preAuthGuard", watch);
        channel.closeFuture().addListener(closed -> watch.release());
    }

    private void refuse(String address, String reason) {
        metrics.refused("mqtt", reason);
        warnOnce.warn("pre-auth " + address, "Closed an MQTT connection from {} before CONNECT: {}", address, reason);
    }

    /** One pending connection: its deadline, and its place in the count until authenticated or closed. */
    private final class Watch extends ChannelDuplexHandler {

        private final String address;
        private final ScheduledFuture<?> deadline;
        private boolean counted = true;

        Watch(String address, Channel channel) {
            this.address = address;
            this.deadline = channel.eventLoop().schedule(() -> {
                refuse(address, DEADLINE);
                channel.close();
            }, deadlineMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof MqttMessage message && message.fixedHeader() != null
                    && message.fixedHeader().messageType() == MqttMessageType.CONNECT && message.decoderResult().isSuccess()) {
                deadline.cancel(false);
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            boolean accepted = msg instanceof MqttConnAckMessage ack
                    && ack.variableHeader().connectReturnCode() == MqttConnectReturnCode.CONNECTION_ACCEPTED;
            super.write(ctx, msg, promise);
            if (accepted) {
                release();
                ctx.pipeline().remove(this);
            }
        }

        void release() {
            deadline.cancel(false);
            if (counted) {
                counted = false;
                pending.close(address);
            }
        }
    }
}
