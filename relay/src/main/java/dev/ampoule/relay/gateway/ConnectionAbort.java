package dev.ampoule.relay.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Closes a connection's TCP socket at once, whatever is still queued for it. Vert.x closes a
 * WebSocket's TCP connection only after its close frame has been written (then waits for the
 * peer's close frame, at most its closing timeout); a client that never reads never gets that frame
 * written, so its connection and everything queued for it would stay forever. The public API has no
 * way to abort, so this reaches the Netty channel through Vert.x's connection implementation and
 * closes it from the head of the pipeline, past Vert.x's own close handling. A connection of
 * another kind is left alone (the WebSocket close still applies).
 */
final class ConnectionAbort {

    private ConnectionAbort() {
    }

    /** Aborts {@code connection}; true when it could. */
    static boolean abort(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            return false;
        }
        Channel channel = base.channel();
        if (!channel.isOpen()) {
            return true;
        }
        ChannelHandlerContext first = channel.pipeline().firstContext();
        if (first != null) {
            first.close(); // from the first handler straight to the socket: no handler of Vert.x in between
        } else {
            channel.close();
        }
        return true;
    }
}
