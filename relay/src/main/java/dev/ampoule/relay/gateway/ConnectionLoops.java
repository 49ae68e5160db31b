package dev.ampoule.relay.gateway;

import dev.ampoule.relay.loop.Loop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops that serve the relay's sockets and their servers: each listens on the relay's
 * port with the same request handler, and Vert.x spreads the accepted connections over them.
 * Reading, framing and writing a socket then costs its own loop; what the relay must decide is
 * handed to the owner ({@link Loop}).
 *
 * <p>{@code connectionLoops} counts the relay's loops in all, the owner's included. With one, the
 * owner's, the relay's state and all of its sockets share it. With N more than one, N − 1 loops
 * besides the owner's serve the sockets and the owner serves none: under load the owner is the
 * relay's bound (it runs the Delivery Service for every connection), and writing half of the
 * sockets besides took more than half of its time (BENCHMARKS.md, "Relay: connection loops"); and
 * the default, one loop per core in all, leaves no loop waiting for a core behind the others (on
 * two cores the owner and one more, "Relay: one loop per core"). Each loop is a context built on a
 * chosen Netty event loop, other than the owner's and each other's, through Vert.x's internal
 * context builder: deploying verticles would let Vert.x pick their loops, and two could land on one
 * thread and gain nothing. The contexts close with the owner's verticle. Created and stopped on the
 * owner.
 */
final class ConnectionLoops {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLoops.class);

    private final Loop owner;
    private final List<HttpServer> servers;

    private ConnectionLoops(Loop owner, List<HttpServer> servers) {
        this.owner = owner;
        this.servers = servers;
    }

    /**
     * Starts the servers of a relay on {@code count} loops in all with {@code options} (the relay's
     * port, or the same negative number for a shared free port): with 1, on the owner's loop; with
     * more, on {@code count − 1} event loops besides the owner's, a server each — fewer, with a
     * warning, when Vert.x has fewer loops. Completes on the owner once every server listens, or
     * fails with all of them closed.
     */
    static Future<ConnectionLoops> start(Vertx vertx, Loop owner, int count, HttpServerOptions options,
            Handler<HttpServerRequest> handler) {
        if (count <= 1) {
            HttpServer server = vertx.createHttpServer(options).requestHandler(handler);
            return server.listen().map(s -> new ConnectionLoops(owner, List.of(s)));
        }
        VertxInternal internal = (VertxInternal) vertx;
        ContextInternal ownerContext = (ContextInternal) vertx.getOrCreateContext();
        List<io.netty.channel.EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : internal.eventLoopGroup()) {
            if (e != ownerContext.nettyEventLoop() && e instanceof io.netty.channel.EventLoop loop && loops.size() < count - 1) {
                loops.add(loop);
            }
        }
        if (loops.isEmpty()) {
            LOG.warn("connectionLoops: {} wanted, but Vert.x has no event loop besides the relay's: its own serves the sockets",
                    count);
            return start(vertx, owner, 1, options, handler);
        }
        if (loops.size() < count - 1) {
            LOG.warn("connectionLoops: {} wanted (the relay's own loop and {} besides it), {} available besides it", count,
                    count - 1, loops.size());
        }
        HttpServerOptions shared = new HttpServerOptions(options);
        List<Future<HttpServer>> started = new ArrayList<>();
        for (io.netty.channel.EventLoop loop : loops) {
            Context context = internal.contextBuilder().withEventLoop(loop)
                    .withCloseFuture(ownerContext.closeFuture()).build();
            Promise<HttpServer> listening = Promise.promise();
            context.runOnContext(v -> vertx.createHttpServer(shared).requestHandler(handler).listen()
                    .onComplete(listening));
            started.add(listening.future());
        }
        return owner.back(Future.join(started)).transform(ar -> {
            List<HttpServer> servers = new ArrayList<>();
            for (Future<HttpServer> f : started) {
                if (f.succeeded()) {
                    servers.add(f.result());
                }
            }
            ConnectionLoops result = new ConnectionLoops(owner, servers);
            if (ar.failed()) {
                return result.close().transform(x -> Future.failedFuture(ar.cause()));
            }
            LOG.info("connections served on {} event loops besides the relay's", servers.size());
            return Future.succeededFuture(result);
        });
    }

    /** The port the servers listen on. */
    int actualPort() {
        return servers.get(0).actualPort();
    }

    /**
     * New TLS settings for the connections accepted from now on: the servers share one listening
     * socket and its TLS context, so the first server's update is every server's.
     */
    Future<Boolean> updateSSLOptions(ServerSSLOptions options) {
        return owner.back(servers.get(0).updateSSLOptions(options, true));
    }

    /** Stops accepting on every loop; open connections get {@code graceMillis} to close. Completes on the owner. */
    Future<Void> shutdown(long graceMillis) {
        List<Future<Void>> all = new ArrayList<>();
        for (HttpServer s : servers) {
            all.add(s.shutdown(graceMillis, TimeUnit.MILLISECONDS).recover(e -> Future.succeededFuture()));
        }
        return owner.back(Future.join(all).mapEmpty());
    }

    /** Closes the servers at once. Completes on the owner. */
    Future<Void> close() {
        List<Future<Void>> all = new ArrayList<>();
        for (HttpServer s : servers) {
            all.add(s.close().recover(e -> Future.succeededFuture()));
        }
        return owner.back(Future.join(all).mapEmpty());
    }
}
