package dev.iotpipeline.bridge.ingest.net;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.VertxWrapper;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.internal.tls.SslContextProvider;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrafficShapingOptions;
import io.vertx.core.net.impl.NetServerInternal;
import java.util.concurrent.TimeUnit;

/**
 * The bridge's Vert.x instance as an MQTT listener sees it: the TCP servers it creates run an
 * {@link AcceptHook} on every accepted connection before the protocol on top gets it.
 *
 * <p>Why: Vert.x's MQTT server calls its endpoint handler only once a CONNECT is decoded, so a
 * connection that never completes one is invisible to it. The server is built on a
 * {@link NetServer} from {@link VertxInternal#createNetServer} ({@code MqttServer.create} takes the
 * Vert.x instance to build it with); decorating that server's connect handler sees every connection
 * at accept, and its Netty channel shows what passes and when it closes. {@link VertxWrapper} is
 * Vert.x's own base for such decorators; everything else is the bridge's Vert.x instance.
 */
public final class HookedVertx extends VertxWrapper {

    private final AcceptHook hook;

    public HookedVertx(Vertx vertx, AcceptHook hook) {
        super((VertxInternal) vertx);
        this.hook = hook;
    }

    @Override
    public NetServerInternal createNetServer(NetServerOptions options) {
        return new HookedNetServer(delegate.createNetServer(options), hook);
    }

    /** A TCP server whose connect handler runs the hook first. */
    private static final class HookedNetServer implements NetServerInternal {

        private final NetServerInternal server;
        private final AcceptHook hook;
        private Handler<NetSocket> handler;

        HookedNetServer(NetServerInternal server, AcceptHook hook) {
            this.server = server;
            this.hook = hook;
        }

        @Override
        public NetServerInternal connectHandler(Handler<NetSocket> next) {
            handler = next;
            server.connectHandler(next == null ? null : socket -> hook.accepted((NetSocketInternal) socket, next));
            return this;
        }

        @Override
        public Handler<NetSocket> connectHandler() {
            return handler;
        }

        @Override
        public NetServerInternal exceptionHandler(Handler<Throwable> exceptionHandler) {
            server.exceptionHandler(exceptionHandler);
            return this;
        }

        @Override
        public SslContextProvider sslContextProvider() {
            return server.sslContextProvider();
        }

        @Override
        public Future<NetServer> listen(ContextInternal context, SocketAddress localAddress) {
            return server.listen(context, localAddress).map(this);
        }

        @Override
        public Future<NetServer> listen() {
            return server.listen().map(this);
        }

        @Override
        public Future<NetServer> listen(SocketAddress localAddress) {
            return server.listen(localAddress).map(this);
        }

        @Override
        public Future<Void> shutdown(long timeout, TimeUnit unit) {
            return server.shutdown(timeout, unit);
        }

        @Override
        public int actualPort() {
            return server.actualPort();
        }

        @Override
        public Future<Boolean> updateSSLOptions(ServerSSLOptions options, boolean force) {
            return server.updateSSLOptions(options, force);
        }

        @Override
        public Future<Boolean> updateTrafficShapingOptions(TrafficShapingOptions options) {
            return server.updateTrafficShapingOptions(options);
        }

        @Override
        public boolean isMetricsEnabled() {
            return server.isMetricsEnabled();
        }
    }
}
