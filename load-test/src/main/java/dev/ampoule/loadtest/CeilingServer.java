package dev.ampoule.loadtest;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.protocol.RelayException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ceiling: the least a WebSocket fan-out server on Vert.x can do for the same load, with no
 * authentication, no storage, no validation. It speaks the frames of {@value Frame#PROTOCOL} so the
 * same generator drives it: {@code Authenticate} is answered {@code Ok} whatever the token;
 * {@code Resume(group)} subscribes the connection to the group; {@code SendApplication} gets the
 * group's next sequence number, {@code Ok(seq)} to the sender, then {@code Deliver} to every
 * subscriber (the sender too), the frame encoded once; acknowledgements are answered {@code Ok} and
 * forgotten. Anything else is refused. One instance per event loop, sharing the groups; a group's
 * numbering and writes happen under its lock, so every subscriber sees its messages in order.
 * {@code GET /ready} answers 200.
 */
public final class CeilingServer extends VerticleBase {

    private static final int MAX_FRAME_BYTES = 4 << 20;

    private final Map<Bytes, Fanout> groups;
    private final int port;
    private HttpServer server;

    /** A group: its next sequence number and its subscribers. */
    static final class Fanout {
        private long seq;
        private final List<ServerWebSocket> subscribers = new ArrayList<>();
    }

    CeilingServer(Map<Bytes, Fanout> groups, int port) {
        this.groups = groups;
        this.port = port;
    }

    /** The ceiling's Vert.x: on the native transport where it loads, as the relay's. */
    static Vertx vertx() {
        return Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    }

    /** Deploys {@code instances} instances on {@code port} (0: any) in {@code vertx}; the port. */
    static Future<Integer> deploy(Vertx vertx, int port, int instances) {
        Map<Bytes, Fanout> groups = new ConcurrentHashMap<>();
        int fixed = port == 0 ? ChildJvm.freePort() : port;
        return vertx.deployVerticle(() -> new CeilingServer(groups, fixed), new DeploymentOptions().setInstances(instances))
                .map(id -> fixed);
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                        .setMaxWebSocketFrameSize(MAX_FRAME_BYTES).setMaxWebSocketMessageSize(MAX_FRAME_BYTES))
                .webSocketHandler(this::connected)
                .requestHandler(req -> req.response().setStatusCode(req.path().equals("/ready") ? 200 : 404).end());
        return server.listen();
    }

    private void connected(ServerWebSocket ws) {
        List<Fanout> joined = new ArrayList<>();
        ws.binaryMessageHandler(b -> onFrame(ws, b, joined));
        ws.closeHandler(v -> joined.forEach(g -> {
            synchronized (g) {
                g.subscribers.remove(ws);
            }
        }));
    }

    private void onFrame(ServerWebSocket ws, Buffer b, List<Fanout> joined) {
        Envelope env;
        try {
            env = FrameCodec.decode(b.getBytes(), MAX_FRAME_BYTES);
        } catch (RelayException e) {
            reply(ws, FrameCodec.requestIdOf(b.getBytes()), Frame.Error.of(e));
            return;
        }
        long id = env.requestId();
        switch (env.frame()) {
            case Frame.Authenticate a -> reply(ws, id, new Frame.Ok(0));
            case Frame.AckGroup a -> reply(ws, id, new Frame.Ok(a.seq()));
            case Frame.AckMailbox a -> reply(ws, id, new Frame.Ok(a.seq()));
            case Frame.Resume r when r.groupId().isPresent() -> {
                Fanout g = groups.computeIfAbsent(r.groupId().get(), k -> new Fanout());
                synchronized (g) {
                    g.subscribers.add(ws);
                }
                joined.add(g);
                reply(ws, id, new Frame.Ok(r.fromSeq()));
            }
            case Frame.SendApplication m -> {
                Fanout g = groups.computeIfAbsent(m.groupId(), k -> new Fanout());
                synchronized (g) {
                    long seq = ++g.seq;
                    reply(ws, id, new Frame.Ok(seq));
                    Buffer deliver = Buffer.buffer(FrameCodec.encode(0, new Frame.Deliver(m.groupId(), seq, m.message())));
                    for (ServerWebSocket s : g.subscribers) {
                        s.writeBinaryMessage(deliver);
                    }
                }
            }
            default -> reply(ws, id, Frame.Error.of(new RelayException(ErrorCode.FORBIDDEN, "not served by the ceiling")));
        }
    }

    private static void reply(ServerWebSocket ws, long requestId, Frame frame) {
        ws.writeBinaryMessage(Buffer.buffer(FrameCodec.encode(requestId, frame)));
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    /**
     * Runs the ceiling server in this JVM until it is stopped: {@code CeilingServer PORT [INSTANCES]}
     * (instances: default the number of processors).
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: CeilingServer PORT [INSTANCES]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int instances = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        Vertx vertx = vertx();
        deploy(vertx, port, instances).onSuccess(p -> System.out.println("ceiling server listening on 127.0.0.1:" + p))
                .onFailure(e -> {
                    System.err.println("ceiling server failed to start: " + e);
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                Thread.currentThread().interrupt();
            }
        }));
    }
}
