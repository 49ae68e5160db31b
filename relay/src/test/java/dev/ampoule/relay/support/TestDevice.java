package dev.ampoule.relay.support;

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
 * A device's WebSocket to the relay, for tests: requests matched to answers by request id, and a
 * queue of what the relay pushed (Deliver, WelcomeDelivery, Reconnect, unsolicited Errors).
 */
public final class TestDevice implements AutoCloseable {

    private final WebSocketClient client;
    private final WebSocket ws;
    // request ids start high so that frames a test writes by hand with small ids never collide
    private final AtomicLong ids = new AtomicLong(1000);
    private final Map<Long, Promise<Frame>> pending = new ConcurrentHashMap<>();
    public final BlockingQueue<Frame> pushed = new LinkedBlockingQueue<>();
    public final Promise<Short> closed = Promise.promise();

    private TestDevice(WebSocketClient client, WebSocket ws) {
        this.client = client;
        this.ws = ws;
        ws.binaryMessageHandler(this::onFrame);
        ws.closeHandler(v -> {
            closed.tryComplete(ws.closeStatusCode());
            pending.values().forEach(p -> p.tryFail("closed"));
        });
    }

    /** Opens a WebSocket (uri with query, e.g. a ticket) without authenticating. */
    public static Future<TestDevice> open(Vertx vertx, int port, String uri) {
        return open(vertx, port, uri, false);
    }

    /** Like {@link #open(Vertx, int, String)}, over TLS trusting any certificate when {@code tls}. */
    public static Future<TestDevice> open(Vertx vertx, int port, String uri, boolean tls) {
        WebSocketClientOptions options = options();
        if (tls) {
            options.setSsl(true).setTrustAll(true).setVerifyHost(false);
        }
        return open(vertx, options, port, uri);
    }

    /** Client options with frame limits above the relay's (TLS settings are the caller's). */
    public static WebSocketClientOptions options() {
        return new WebSocketClientOptions().setMaxFrameSize(8 << 20).setMaxMessageSize(8 << 20);
    }

    /** Opens a WebSocket with the given client options (TLS versions, client certificates…). */
    public static Future<TestDevice> open(Vertx vertx, WebSocketClientOptions options, int port, String uri) {
        WebSocketClient client = vertx.createWebSocketClient(options);
        return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
                .map(ws -> new TestDevice(client, ws))
                .onFailure(e -> client.close());
    }

    /** Opens a WebSocket on {@code /v1/ws} without authenticating, waiting for it. */
    public static TestDevice opened(Vertx vertx, int port) {
        return RelayHarness.await(open(vertx, port, "/v1/ws"));
    }

    /** Opens and authenticates with {@code token} as {@code device}, waiting for it. */
    public static TestDevice connected(Vertx vertx, int port, String token, String device) {
        return RelayHarness.await(connect(vertx, port, token, device));
    }

    /** Opens and authenticates with {@code token} as {@code device}. */
    public static Future<TestDevice> connect(Vertx vertx, int port, String token, String device) {
        return open(vertx, port, "/v1/ws").compose(d -> d.request(new Frame.Authenticate(token, device)).compose(f -> {
            if (f instanceof Frame.Ok) {
                return Future.succeededFuture(d);
            }
            d.ws.close();
            d.client.close();
            return Future.failedFuture("authentication refused: " + f);
        }));
    }

    private void onFrame(Buffer b) {
        FrameRecorder.record(b.getBytes());
        Envelope env = FrameCodec.decode(b.getBytes(), Integer.MAX_VALUE);
        Frame f = env.frame();
        Promise<Frame> p = env.requestId() == 0 ? null : pending.remove(env.requestId());
        if (p != null) {
            p.complete(f);
        } else {
            pushed.add(f);
        }
    }

    public Future<Frame> request(Frame.ClientFrame frame) {
        long id = ids.incrementAndGet();
        Promise<Frame> p = Promise.promise();
        pending.put(id, p);
        byte[] bytes = FrameCodec.encode(id, frame);
        FrameRecorder.record(bytes);
        ws.writeBinaryMessage(Buffer.buffer(bytes));
        return p.future();
    }

    /** Sends raw bytes as one binary message (malformed frames); the answer, if any, arrives with request id of the header. */
    public void sendRaw(byte[] bytes) {
        ws.writeBinaryMessage(Buffer.buffer(bytes));
    }

    public void sendText(String text) {
        ws.writeTextMessage(text);
    }

    /** Stops reading from the socket (a slow client). */
    public void pause() {
        ws.pause();
    }

    public void resume() {
        ws.resume();
    }

    /** Sends raw bytes as one binary message; its answer is expected under {@code requestId}. */
    public Future<Frame> sendRaw(long requestId, byte[] bytes) {
        Future<Frame> answer = expectAnswer(requestId);
        sendRaw(bytes);
        return answer;
    }

    public Future<Frame> expectAnswer(long requestId) {
        Promise<Frame> p = Promise.promise();
        pending.put(requestId, p);
        return p.future();
    }

    public Frame call(Frame.ClientFrame frame) {
        return RelayHarness.await(request(frame));
    }

    public long ok(Frame.ClientFrame frame) {
        Frame f = call(frame);
        return assertInstanceOf(Frame.Ok.class, f, () -> "expected Ok for " + frame + ", got " + f).seq();
    }

    public Frame.Error error(Frame.ClientFrame frame, ErrorCode code) {
        Frame f = call(frame);
        Frame.Error e = assertInstanceOf(Frame.Error.class, f, () -> "expected " + code + " for " + frame + ", got " + f);
        assertEquals(code, e.code(), () -> e.detail());
        return e;
    }

    /** {@code answer} is the error {@code code}. */
    public Frame.Error error(Frame answer, ErrorCode code) {
        Frame.Error e = assertInstanceOf(Frame.Error.class, answer, () -> "expected " + code + ", got " + answer);
        assertEquals(code, e.code(), e::detail);
        return e;
    }

    /** The next pushed frame of the given type (others before it are dropped), within 20 s. */
    public <T extends Frame> T next(Class<T> type) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Frame f = pushed.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
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

    /** Nothing pushed for {@code millis}. */
    public Frame poll(long millis) {
        try {
            return pushed.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public boolean isClosed() {
        return ws.isClosed();
    }

    public Short awaitClosed() {
        return RelayHarness.await(closed.future());
    }

    @Override
    public void close() {
        if (!ws.isClosed()) {
            RelayHarness.await(ws.close().recover(e -> Future.succeededFuture()));
        }
        client.close();
    }
}
