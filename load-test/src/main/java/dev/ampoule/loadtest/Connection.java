package dev.ampoule.loadtest;

import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.protocol.RelayException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One device's WebSocket to a relay (or the ceiling server), speaking {@value Frame#PROTOCOL}:
 * requests are matched to their answers by request id, relay-initiated frames ({@code Deliver},
 * {@code WelcomeDelivery}, {@code Reconnect}) go to the push handler. Confined to one Vert.x
 * event-loop context: every method is called on it and every handler runs on it.
 */
final class Connection {

    /** Decoding limit for frames from the relay. */
    static final int MAX_FRAME_BYTES = 16 << 20;

    private final WebSocket ws;
    private final Map<Long, Promise<Frame>> pending = new HashMap<>();
    private long nextId;
    private boolean closed;

    private Connection(WebSocket ws, Consumer<Frame> pushed, Consumer<Connection> onClose, Consumer<String> onBadFrame) {
        this.ws = ws;
        ws.binaryMessageHandler(b -> onFrame(b, pushed, onBadFrame));
        ws.textMessageHandler(t -> onBadFrame.accept("text message"));
        ws.exceptionHandler(e -> ws.close());
        ws.closeHandler(v -> {
            closed = true;
            Map<Long, Promise<Frame>> left = new HashMap<>(pending);
            pending.clear();
            left.values().forEach(p -> p.tryFail(new ConnectionClosed()));
            onClose.accept(this);
        });
    }

    /**
     * Opens a WebSocket to {@code uri} on {@code context} and authenticates with {@code token} as
     * {@code deviceId}. The future fails when the socket does not open or the answer is no {@code Ok}.
     */
    static Future<Connection> open(Context context, WebSocketClient client, URI uri, String token, String deviceId,
            Consumer<Frame> pushed, Consumer<Connection> onClose, Consumer<String> onBadFrame) {
        Promise<WebSocket> opened = Promise.promise();
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost(uri.getHost())
                .setPort(port(uri))
                .setSsl(uri.getScheme().equalsIgnoreCase("wss"))
                .setURI(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        context.runOnContext(v -> client.connect(options).onComplete(opened));
        return opened.future()
                .map(ws -> new Connection(ws, pushed, onClose, onBadFrame))
                .compose(c -> c.request(new Frame.Authenticate(token, deviceId)).compose(answer -> {
                    if (answer instanceof Frame.Ok) {
                        return Future.succeededFuture(c);
                    }
                    c.close();
                    return Future.failedFuture(new Refused(answer));
                }));
    }

    static int port(URI uri) {
        if (uri.getPort() > 0) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("wss") ? 443 : 80;
    }

    private void onFrame(Buffer b, Consumer<Frame> pushed, Consumer<String> onBadFrame) {
        Envelope env;
        try {
            env = FrameCodec.decode(b.getBytes(), MAX_FRAME_BYTES);
        } catch (RelayException e) {
            onBadFrame.accept(e.code().name());
            return;
        }
        Promise<Frame> p = env.requestId() == 0 ? null : pending.remove(env.requestId());
        if (p != null) {
            p.complete(env.frame());
        } else {
            pushed.accept(env.frame());
        }
    }

    /** Sends a request; the future holds the relay's answer ({@code Ok}, {@code Error}, …). */
    Future<Frame> request(Frame.ClientFrame frame) {
        if (closed) {
            return Future.failedFuture(new ConnectionClosed());
        }
        long id = ++nextId & 0xFFFFFFFFL;
        if (id == 0) {
            id = ++nextId & 0xFFFFFFFFL;
        }
        Promise<Frame> p = Promise.promise();
        pending.put(id, p);
        ws.writeBinaryMessage(Buffer.buffer(FrameCodec.encode(id, frame)));
        return p.future();
    }

    boolean isOpen() {
        return !closed;
    }

    Future<Void> close() {
        closed = true;
        return ws.close().recover(e -> Future.succeededFuture());
    }

    /** The connection closed before the answer arrived. */
    static final class ConnectionClosed extends RuntimeException {
        ConnectionClosed() {
            super("connection closed", null, false, false);
        }
    }

    /** The relay refused the authentication. */
    static final class Refused extends RuntimeException {
        final transient Frame answer;

        Refused(Frame answer) {
            super("authentication refused: " + answer, null, false, false);
            this.answer = answer;
        }
    }
}
