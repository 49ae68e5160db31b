package dev.ampoule.client.transport;

import dev.ampoule.client.AmpouleException;
import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.protocol.RelayException;
import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One WebSocket to the relay: a single reader that reassembles binary messages delivered in parts
 * and decodes each into a frame, a bounded queue of outgoing frames written one at a time (the
 * JDK WebSocket allows one outstanding send), and the requests awaiting their answer by request
 * id. When it dies, every waiting request fails with DISCONNECTED.
 */
final class Link implements WebSocket.Listener {

    private static final long MAX_REQUEST_ID = 0xFFFF_FFFFL;

    private final RelayConnection owner;
    private final int maxInboundBytes;
    private final int outboundCapacity;
    private final Executor io;
    private final Map<Long, CompletableFuture<Frame.RelayFrame>> pending = new HashMap<>();
    private final ArrayDeque<ByteBuffer> outbound = new ArrayDeque<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private WebSocket ws;
    private long nextRequestId = 1;
    private boolean writing;
    private boolean dead;

    Link(RelayConnection owner, int maxInboundBytes, int outboundCapacity, Executor io) {
        this.owner = owner;
        this.maxInboundBytes = maxInboundBytes;
        this.outboundCapacity = outboundCapacity;
        this.io = io;
    }

    synchronized boolean isDead() {
        return dead;
    }

    void opened(WebSocket socket) {
        synchronized (this) {
            this.ws = socket;
            if (dead) {
                socket.abort();
                return;
            }
        }
        pumpWrites();
    }

    // ---- requests and writes -------------------------------------------------------------------

    CompletableFuture<Frame.RelayFrame> request(Frame.ClientFrame frame) {
        CompletableFuture<Frame.RelayFrame> answer = new CompletableFuture<>();
        synchronized (this) {
            if (dead) {
                answer.completeExceptionally(disconnected());
                return answer;
            }
            if (outbound.size() >= outboundCapacity) {
                answer.completeExceptionally(new AmpouleException(AmpouleException.Reason.QUEUE_FULL,
                        outbound.size() + " frames are waiting to be written"));
                return answer;
            }
            long id = nextRequestId;
            nextRequestId = id == MAX_REQUEST_ID ? 1 : id + 1;
            pending.put(id, answer);
            outbound.add(ByteBuffer.wrap(FrameCodec.encode(id, frame)));
        }
        pumpWrites();
        return answer;
    }

    private static AmpouleException disconnected() {
        return new AmpouleException(AmpouleException.Reason.DISCONNECTED, "the connection to the relay dropped");
    }

    private void pumpWrites() {
        ByteBuffer next;
        WebSocket socket;
        synchronized (this) {
            if (writing || dead || ws == null || outbound.isEmpty()) {
                return;
            }
            next = outbound.poll();
            writing = true;
            socket = ws;
        }
        CompletableFuture<WebSocket> sent;
        try {
            sent = socket.sendBinary(next, true);
        } catch (RuntimeException e) {
            die("write failed: " + e.getMessage());
            return;
        }
        // continue on the I/O executor: never recurse when a send completes at once
        sent.whenCompleteAsync((w, e) -> {
            if (e != null) {
                die("write failed: " + e.getMessage());
                return;
            }
            synchronized (this) {
                writing = false;
            }
            pumpWrites();
        }, io);
    }

    // ---- WebSocket.Listener (the single reader) ---------------------------------------------------

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (partial.size() + data.remaining() > maxInboundBytes) {
            die("a frame from the relay exceeds " + maxInboundBytes + " bytes");
            return null;
        }
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        partial.write(chunk, 0, chunk.length);
        if (last) {
            byte[] bytes = partial.toByteArray();
            partial.reset();
            if (!received(bytes)) {
                return null;
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        // text messages are not part of the protocol: ignored
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        die("closed by the relay (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")");
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        die("connection error: " + error);
    }

    /** Decodes and routes one complete message; false if the link died. */
    private boolean received(byte[] bytes) {
        Envelope env;
        try {
            env = FrameCodec.decode(bytes, Integer.MAX_VALUE);
        } catch (RelayException e) {
            die("undecodable frame from the relay: " + e.detail());
            return false;
        }
        if (!(env.frame() instanceof Frame.RelayFrame frame)) {
            die("the relay sent a client frame");
            return false;
        }
        CompletableFuture<Frame.RelayFrame> answer = null;
        if (env.requestId() != 0) {
            synchronized (this) {
                answer = pending.remove(env.requestId());
            }
        }
        if (answer != null) {
            answer.complete(frame);
        } else {
            owner.pushed(frame);
        }
        return true;
    }

    // ---- dying ---------------------------------------------------------------------------------

    /** Marks the link dead, fails the waiting requests and tells the owner. */
    void die(String reason) {
        List<CompletableFuture<Frame.RelayFrame>> waiting;
        WebSocket socket;
        synchronized (this) {
            if (dead) {
                return;
            }
            dead = true;
            waiting = new ArrayList<>(pending.values());
            pending.clear();
            outbound.clear();
            socket = ws;
        }
        if (socket != null) {
            socket.abort();
        }
        // the owner first stops handing out this link, so that requests sent again wait for the next
        owner.linkDied(this, reason);
        AmpouleException e = disconnected();
        waiting.forEach(f -> f.completeExceptionally(e));
    }

    /** Aborts the socket as a network failure would. */
    void abort(String reason) {
        die(reason);
    }

    /** Closes politely (client shutdown). */
    void close() {
        WebSocket socket;
        synchronized (this) {
            socket = ws;
        }
        if (socket != null && !socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, java.util.concurrent.TimeUnit.SECONDS)
                        .whenComplete((w, e) -> socket.abort());
            } catch (RuntimeException e) {
                socket.abort();
            }
        }
        List<CompletableFuture<Frame.RelayFrame>> waiting;
        synchronized (this) {
            dead = true;
            waiting = new ArrayList<>(pending.values());
            pending.clear();
            outbound.clear();
        }
        AmpouleException e = new AmpouleException(AmpouleException.Reason.CLOSED, "closed");
        waiting.forEach(f -> f.completeExceptionally(e));
    }
}
