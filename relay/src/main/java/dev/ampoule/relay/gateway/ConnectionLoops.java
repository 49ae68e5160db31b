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
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops besides the owner's that serve the relay's sockets ({@code connectionLoops}):
 * each listens on the relay's port with the same request handler, and Vert.x spreads the accepted
 * connections over the owner's server and these. Reading, framing and writing a socket then costs
 * its own loop; what the relay must decide is handed to the owner ({@link Loop}).
 *
 * <p>Each loop is a context built on a chosen Netty event loop, other than the owner's and each
 * other's, through Vert.x's internal context builder: deploying verticles would let Vert.x pick
 * their loops, and two could land on the owner's thread and gain nothing. The contexts close with
 * the owner's verticle. Created and stopped on the owner.
 */
final class ConnectionLoops {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLoops.class);

    private final Loop owner;
    private final List<HttpServer> servers;

    private ConnectionLoops(Loop owner, List<HttpServer> servers) {
        this.owner = owner;
        this.servers = servers;
    }

    /** No loop besides the owner's. */
    static ConnectionLoops none(Loop owner) {
        return new ConnectionLoops(owner, List.of());
    }

    /**
     * Starts {@code extra} servers with the owner's server's {@code options} (its port, or the same
     * negative number for a shared free port), each on an event loop of its own; fewer, with a
     * warning, when Vert.x has fewer loops. Completes on the owner.
     */
    static Future<ConnectionLoops> start(Vertx vertx, Loop owner, int extra, HttpServerOptions options,
            Handler<HttpServerRequest> handler) {
        if (extra <= 0) {
            return Future.succeededFuture(none(owner));
        }
        VertxInternal internal = (VertxInternal) vertx;
        ContextInternal ownerContext = (ContextInternal) vertx.getOrCreateContext();
        List<io.netty.channel.EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : internal.eventLoopGroup()) {
            if (e != ownerContext.nettyEventLoop() && e instanceof io.netty.channel.EventLoop loop && loops.size() < extra) {
                loops.add(loop);
            }
        }
        if (loops.size() < extra) {
            LOG.warn("connectionLoops: {} wanted, {} event loops available besides the relay's", extra + 1,
                    loops.size() + 1);
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
            LOG.info("connections served on {} event loops", servers.size() + 1);
            return Future.succeededFuture(result);
        });
    }

    /** Stops accepting on these loops; open connections get {@code graceMillis} to close. Completes on the owner. */
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
