package dev.ampoule.relay.support;

import static dev.ampoule.relay.support.RelayHarness.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on a loopback port, for fault tests: {@link #cut()} drops every connection and
 * refuses new ones (the server behind it becomes unreachable, as in a network partition or a
 * database restart), {@link #restore()} lets connections through again. With several backends
 * ({@link #failover}) it stands for a load balancer in front of a cluster: each new connection goes
 * to the first backend, in order, that accepts it — a client whose node died reconnects to the next;
 * or ({@link #rotating}) each new connection starts at the backend after the previous connection's,
 * so that every reconnection of a client lands on another node.
 */
public final class TcpProxy implements AutoCloseable {

    private final NetServer server;
    private final NetClient client;
    private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    private TcpProxy(NetServer server, NetClient client) {
        this.server = server;
        this.client = client;
    }

    /** Forwards 127.0.0.1:{@link #port()} to {@code host:port}. */
    public static TcpProxy start(Vertx vertx, String host, int port) {
        return failover(vertx, host, List.of(port));
    }

    /** Forwards each connection to the first of {@code ports} on {@code host} that accepts it. */
    public static TcpProxy failover(Vertx vertx, String host, List<Integer> ports) {
        return forward(vertx, host, ports, () -> 0);
    }

    /**
     * Forwards the {@code n}-th connection to the first of {@code ports} that accepts it, starting at
     * port {@code n} (modulo their number): a reconnecting client lands on another backend each time.
     */
    public static TcpProxy rotating(Vertx vertx, String host, List<Integer> ports) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        return forward(vertx, host, ports, () -> next.getAndIncrement() % ports.size());
    }

    private static TcpProxy forward(Vertx vertx, String host, List<Integer> ports,
            java.util.function.IntSupplier first) {
        NetClient client = vertx.createNetClient();
        NetServer server = vertx.createNetServer();
        TcpProxy proxy = new TcpProxy(server, client);
        server.connectHandler(in -> {
            if (proxy.cut) {
                in.close();
                return;
            }
            in.pause();
            int start = first.getAsInt();
            List<Integer> order = new java.util.ArrayList<>(ports.subList(start, ports.size()));
            order.addAll(ports.subList(0, start));
            connectFirst(client, host, order, 0).onComplete(ar -> {
                if (ar.failed() || proxy.cut) {
                    in.close();
                    if (ar.succeeded()) {
                        ar.result().close();
                    }
                    return;
                }
                NetSocket out = ar.result();
                proxy.open.add(in);
                proxy.open.add(out);
                in.handler(out::write);
                out.handler(in::write);
                in.closeHandler(v -> {
                    proxy.open.remove(in);
                    out.close();
                });
                out.closeHandler(v -> {
                    proxy.open.remove(out);
                    in.close();
                });
                in.resume();
            });
        });
        await(server.listen(0, "127.0.0.1"));
        return proxy;
    }

    private static Future<NetSocket> connectFirst(NetClient client, String host, List<Integer> ports, int i) {
        return client.connect(ports.get(i), host)
                .recover(e -> i + 1 < ports.size() ? connectFirst(client, host, ports, i + 1) : Future.failedFuture(e));
    }

    public int port() {
        return server.actualPort();
    }

    /** Drops every connection and refuses new ones until {@link #restore()}. */
    public void cut() {
        cut = true;
        open.forEach(NetSocket::close);
    }

    public void restore() {
        cut = false;
    }

    @Override
    public void close() {
        cut();
        await(server.close());
        await(client.close());
    }
}
