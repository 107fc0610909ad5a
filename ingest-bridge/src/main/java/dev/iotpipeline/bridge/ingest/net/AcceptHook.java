package dev.iotpipeline.bridge.ingest.net;

import io.vertx.core.Handler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * What a listener does with a connection the moment it is accepted (after a TLS handshake or a
 * PROXY protocol header, before the protocol reads a byte): refuse it by closing it, or pass it on
 * to the protocol with {@code next}, perhaps watching it afterwards through its Netty channel.
 */
@FunctionalInterface
public interface AcceptHook {

    void accepted(NetSocketInternal socket, Handler<NetSocket> next);
}
