package dev.ampoule.client.transport;

import dev.ampoule.client.AmpouleException;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's connection to the relay, kept up for as long as it is open: one WebSocket at a time
 * ({@link Link}), authenticated with a token from the supplier (asked again for every connection,
 * so tokens can be refreshed), re-established after a drop with exponential backoff and jitter,
 * and after the relay's {@code Reconnect} hint.
 *
 * <p>{@link #request} waits for an authenticated connection, then sends; its answer is matched by
 * request id. If the connection drops first, the future fails with
 * {@link AmpouleException.Reason#DISCONNECTED} and the caller decides whether to send again.
 * Frames the relay pushes, and the connection's ups and downs, go to the {@link Listener} (called
 * from the transport's threads; the listener hands them on).
 */
public final class RelayConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayConnection.class);

    /** What the connection reports. Called from transport threads: implementations must not block. */
    public interface Listener {
        /** A connection is authenticated ({@code session} counts connections from 1). */
        void connected(long session);

        /** The relay pushed a frame: Deliver, WelcomeDelivery, Reconnect or an unsolicited Error. */
        void pushed(Frame.RelayFrame frame);

        /** The connection dropped; the next attempt is in {@code retryInMillis} (unless closed). */
        void disconnected(String reason, long retryInMillis);
    }

    /**
     * Connection settings.
     *
     * @param uri the relay's WebSocket endpoint, e.g. {@code ws://127.0.0.1:8080/v1/ws}
     * @param deviceId the device id sent in Authenticate
     * @param tokens the bearer token for each new connection (may block; called on the I/O scheduler)
     * @param connectTimeout how long one WebSocket handshake plus authentication may take, and how long
     *     {@link #start()} keeps trying before it gives up
     * @param backoffMin first reconnect delay
     * @param backoffMax longest reconnect delay
     * @param outboundCapacity frames waiting to be written, at most
     * @param maxInboundBytes largest frame accepted from the relay
     */
    public record Settings(URI uri, String deviceId, Supplier<String> tokens, Duration connectTimeout,
            Duration backoffMin, Duration backoffMax, int outboundCapacity, int maxInboundBytes) {
        public Settings {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(tokens, "tokens");
        }
    }

    private final Settings settings;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final Executor io;
    private final Listener listener;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    private CompletableFuture<Link> ready = new CompletableFuture<>();
    private Link current;
    private long sessions;
    private long backoff;
    private long reconnectHint;
    private long startedAt;
    private boolean started;
    private boolean closed;

    /**
     * @param scheduler runs connection attempts, the token supplier and backoff timers
     * @param io runs write completions
     */
    public RelayConnection(Settings settings, HttpClient http, ScheduledExecutorService scheduler, Executor io,
            Listener listener) {
        this.settings = settings;
        this.http = http;
        this.scheduler = scheduler;
        this.io = io;
        this.listener = listener;
        this.backoff = settings.backoffMin().toMillis();
    }

    /**
     * Starts connecting. Completes when the first connection is authenticated; fails if the relay
     * refuses the token, or if no connection succeeds within the connect timeout (the connection is
     * then closed).
     */
    public synchronized CompletableFuture<Void> start() {
        if (closed) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
        }
        if (!started) {
            started = true;
            startedAt = System.nanoTime();
            scheduler.execute(this::attempt);
        }
        return firstConnect;
    }

    /** Whether a connection is authenticated now. */
    public synchronized boolean isConnected() {
        return ready.isDone() && !ready.isCompletedExceptionally() && current != null && !current.isDead();
    }

    /**
     * Sends a request once a connection is authenticated and completes with the relay's answer
     * (Ok, Error, KeyPackages or GroupInfoResult). Fails with DISCONNECTED if the connection drops
     * before the answer, QUEUE_FULL if too many frames wait, CLOSED after {@link #close()}.
     */
    public CompletableFuture<Frame.RelayFrame> request(Frame.ClientFrame frame) {
        CompletableFuture<Link> r;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
            }
            r = ready;
        }
        return r.thenCompose(link -> link.request(frame));
    }

    // ---- connection attempts --------------------------------------------------------------------

    private void attempt() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        String token;
        try {
            token = settings.tokens().get();
        } catch (RuntimeException e) {
            LOG.warn("the token supplier failed", e);
            retryLater("no token: " + e.getMessage());
            return;
        }
        Link link = new Link(this, settings.maxInboundBytes(), settings.outboundCapacity(), io);
        synchronized (this) {
            current = link;
        }
        http.newWebSocketBuilder()
                .connectTimeout(settings.connectTimeout())
                .buildAsync(settings.uri(), link)
                .orTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ws, e) -> {
                    if (e != null) {
                        link.die("cannot connect: " + rootMessage(e));
                        return;
                    }
                    link.opened(ws);
                    link.request(new Frame.Authenticate(token, settings.deviceId()))
                            .orTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .whenComplete((answer, err) -> authenticated(link, answer, err));
                });
    }

    private void authenticated(Link link, Frame.RelayFrame answer, Throwable err) {
        if (err != null) {
            link.die("authentication failed: " + rootMessage(err));
            return;
        }
        if (answer instanceof Frame.Error e) {
            boolean refused = e.code() == ErrorCode.UNAUTHENTICATED || e.code() == ErrorCode.TOKEN_EXPIRED;
            if (refused && !firstConnect.isDone()) {
                AmpouleException failure = AmpouleException.relay(e.code(), e.detail(), e.retryAfterMillis());
                firstConnect.completeExceptionally(failure);
                close();
                return;
            }
            synchronized (this) {
                reconnectHint = Math.max(reconnectHint, e.retryAfterMillis());
            }
            link.die("authentication refused: " + e.code());
            return;
        }
        long session;
        synchronized (this) {
            if (closed || link != current || link.isDead()) {
                link.die("superseded");
                return;
            }
            session = ++sessions;
            backoff = settings.backoffMin().toMillis();
            reconnectHint = 0;
            if (ready.isDone()) {
                ready = new CompletableFuture<>();
            }
            ready.complete(link);
        }
        listener.connected(session);
        firstConnect.complete(null);
    }

    /** A link died: fail its requests (done by the link), tell the listener, reconnect later. */
    void linkDied(Link link, String reason) {
        synchronized (this) {
            if (link != current) {
                return;
            }
            current = null;
            if (ready.isDone()) {
                ready = new CompletableFuture<>();
            }
        }
        retryLater(reason);
    }

    private void retryLater(String reason) {
        long delay;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!firstConnect.isDone()
                    && System.nanoTime() - startedAt > settings.connectTimeout().toNanos()) {
                firstConnect.completeExceptionally(new AmpouleException(AmpouleException.Reason.TIMEOUT,
                        "no connection to the relay within " + settings.connectTimeout() + " (" + reason + ")"));
                closeQuietly();
                return;
            }
            long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, backoff / 5) + 1);
            delay = Math.max(backoff + jitter, reconnectHint);
            backoff = Math.min(settings.backoffMax().toMillis(), backoff * 2);
            reconnectHint = 0;
        }
        listener.disconnected(reason, delay);
        scheduler.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
    }

    /** A frame the relay pushed (request id 0 or unmatched). */
    void pushed(Frame.RelayFrame frame) {
        listener.pushed(frame);
        if (frame instanceof Frame.Reconnect r) {
            // the relay is going away: leave now, come back after its hint
            synchronized (this) {
                reconnectHint = Math.max(reconnectHint, r.retryAfterMillis());
            }
            dropConnection();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " " + t.getMessage());
    }

    // ---- closing -------------------------------------------------------------------------------

    private void closeQuietly() {
        closed = true;
        Link link = current;
        current = null;
        ready.completeExceptionally(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
        if (link != null) {
            link.close();
        }
    }

    /** Closes the connection for good: pending requests fail with CLOSED. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closeQuietly();
        firstConnect.completeExceptionally(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
    }

    /**
     * Drops the current WebSocket abruptly, as a network failure would, and reconnects after the
     * backoff: for tests of reconnection and resumption.
     */
    public void dropConnection() {
        Link link;
        synchronized (this) {
            link = current;
        }
        if (link != null) {
            link.abort("dropped");
        }
    }
}
