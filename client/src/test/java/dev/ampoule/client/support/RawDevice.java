package dev.ampoule.client.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-driven WebSocket to the relay (not the SDK): it sends whatever frames — or bytes — a test
 * wants, matches answers by request id and queues what the relay pushes. The attacker and probe of
 * the bad-input tests.
 */
public final class RawDevice implements AutoCloseable {

    private final WebSocketClient client;
    private final WebSocket ws;
    private final AtomicLong ids = new AtomicLong(1000);
    private final Map<Long, Promise<Frame>> pending = new ConcurrentHashMap<>();
    public final BlockingQueue<Frame> pushed = new LinkedBlockingQueue<>();
    private final Promise<Short> closed = Promise.promise();

    private RawDevice(WebSocketClient client, WebSocket ws) {
        this.client = client;
        this.ws = ws;
        ws.binaryMessageHandler(b -> {
            Envelope env = FrameCodec.decode(b.getBytes(), Integer.MAX_VALUE);
            Promise<Frame> p = env.requestId() == 0 ? null : pending.remove(env.requestId());
            if (p != null) {
                p.complete(env.frame());
            } else {
                pushed.add(env.frame());
            }
        });
        ws.closeHandler(v -> {
            closed.tryComplete(ws.closeStatusCode());
            pending.values().forEach(p -> p.tryFail("closed"));
        });
    }

    /** Opens a WebSocket without authenticating. */
    public static RawDevice open(Vertx vertx, int port) {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxFrameSize(8 << 20).setMaxMessageSize(8 << 20));
        return RelayFixture.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/v1/ws")).map(ws -> new RawDevice(client, ws)));
    }

    /** Opens and authenticates. */
    public static RawDevice connect(Vertx vertx, int port, String token, String device) {
        RawDevice d = open(vertx, port);
        Frame answer = d.call(new Frame.Authenticate(token, device));
        assertInstanceOf(Frame.Ok.class, answer, () -> "authentication refused: " + answer);
        return d;
    }

    public Future<Frame> request(Frame.ClientFrame frame) {
        long id = ids.incrementAndGet();
        Promise<Frame> p = Promise.promise();
        pending.put(id, p);
        ws.writeBinaryMessage(Buffer.buffer(FrameCodec.encode(id, frame)));
        return p.future();
    }

    /** Sends raw bytes as one binary message; an answer to it is expected under {@code requestId}. */
    public Future<Frame> sendRaw(long requestId, byte[] bytes) {
        Promise<Frame> p = Promise.promise();
        pending.put(requestId, p);
        ws.writeBinaryMessage(Buffer.buffer(bytes));
        return p.future();
    }

    public Frame call(Frame.ClientFrame frame) {
        return RelayFixture.await(request(frame));
    }

    public long ok(Frame.ClientFrame frame) {
        Frame f = call(frame);
        return assertInstanceOf(Frame.Ok.class, f, () -> "expected Ok for " + frame + ", got " + f).seq();
    }

    public Frame.Error error(Frame answer, ErrorCode code) {
        Frame.Error e = assertInstanceOf(Frame.Error.class, answer, () -> "expected " + code + ", got " + answer);
        assertEquals(code, e.code(), e::detail);
        return e;
    }

    public Frame.Error error(Frame.ClientFrame frame, ErrorCode code) {
        return error(call(frame), code);
    }

    /** The next pushed frame of a type (others before it are dropped), within 20 s. */
    public <T extends Frame> T next(Class<T> type) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (true) {
                Frame f = pushed.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (f == null) {
                    throw new AssertionError("no " + type.getSimpleName() + " within 20 s");
                }
                if (type.isInstance(f)) {
                    return type.cast(f);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public boolean isClosed() {
        return ws.isClosed();
    }

    /** The close status code, once the relay closed the connection. */
    public short awaitClosed() {
        return RelayFixture.await(closed.future());
    }

    @Override
    public void close() {
        if (!ws.isClosed()) {
            RelayFixture.await(ws.close().recover(e -> Future.succeededFuture()));
        }
        client.close();
    }
}
