package dev.ampoule.relay.gateway;

import dev.ampoule.relay.auth.Principal;
import dev.ampoule.relay.ds.DeliveryService;
import dev.ampoule.relay.ds.TokenBucket;
import dev.ampoule.relay.loop.Loop;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.ops.LogIds;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's WebSocket connection: authentication (first frame or ticket), request dispatch to
 * the Delivery Service, and delivery of the device's groups and mailbox in order with
 * backpressure: at most {@code maxInFlight} unacknowledged messages; while the write queue is full
 * (at least {@code writeQueueMaxBytes} not yet handed to the socket, replies and deliveries alike)
 * no delivery is written and no request is read, until it drains to half; a disconnect if it stays
 * full past {@code slowClientTimeout}, or at once if it ever holds more than {@code maxQueuedBytes}.
 * Keepalive: a WebSocket ping every {@code pingInterval}; a connection from which nothing (a pong,
 * a frame) has arrived for {@code pingTimeout} is dead and closed at once, TCP included (a paused
 * connection is judged by the slow-client rule instead: it is not read, so its pongs are not seen).
 * Its log events carry the connection's id and, once authenticated, the device's ({@link LogIds}).
 * Event-loop confined.
 */
final class Session implements DeliveryService.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    static final short CLOSE_UNAUTHENTICATED = 4401;
    static final short CLOSE_TOKEN_EXPIRED = 4403;
    static final short CLOSE_LIMIT = 4008;
    static final short CLOSE_SUPERSEDED = 4009;
    static final short CLOSE_GOING_AWAY = 1001;
    private static final int READ_BATCH = 64;
    /** The longest single timer for token expiry; a later expiry re-arms it when it fires. */
    static final Duration MAX_EXPIRY_TIMER = Duration.ofDays(1);
    /** How long a closed connection may take to send its close frame before its TCP connection is closed. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);
    /** Requests of one connection being processed at once; beyond, the socket is not read. */
    static final int MAX_PENDING_REQUESTS = 256;
    /** A delivery's frame type in the metrics. */
    private static final String DELIVER = Frame.Deliver.class.getSimpleName();

    private final Gateway gateway;
    /** The loop of the relay's state: this session's own state and everything it calls run there. */
    private final Loop owner;
    /** This connection's id in the logs: random, unrelated to the device or its token. */
    private final String connectionId = String.format("%016x", ThreadLocalRandom.current().nextLong());
    private final ServerWebSocket ws;
    /** The connection under the WebSocket: aborted if a close does not complete in time. */
    private final HttpConnection connection;
    private final TokenBucket rate;
    /** The name of the event loop's thread that serves the socket (set before the session starts). */
    private volatile String loop = "";
    private Principal principal;
    private DeviceId device;
    private boolean closed;
    private long authTimer = -1;
    private long expiryTimer = -1;
    private long slowTimer = -1;
    private long pingTimer = -1;
    /** {@link System#nanoTime()} when something last arrived from the peer. */
    private long lastHeard = System.nanoTime();
    private final Map<Bytes, Long> next = new HashMap<>();
    private final Set<Bytes> reading = new HashSet<>();
    private final Map<Bytes, Integer> generation = new HashMap<>();
    private long mailboxNext = -1;
    private boolean pumping;
    private int pendingRequests;
    private boolean repump;
    private boolean authenticating;
    /**
     * Bytes written to the socket whose write has not completed yet (a write completes on the
     * socket's loop, which may not be the owner's).
     */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** The write queue was full: reading and deliveries wait until it drains to half (read by the socket's loop). */
    private volatile boolean writeBlocked;
    /** A login is being audited: requests wait. */
    private boolean binding;
    private boolean readingPaused;
    /**
     * The messages, binary or text, the socket's loop handed over before a pause reached it (the
     * pause stops that loop at once, but what it handed over already is on its way to the owner):
     * kept, as their handling, in order, and handled
     * when reading goes on, so that a paused session answers nothing more — a client that sends
     * without reading cannot grow the write queue past its bound, and no request runs before its
     * login is audited. No more memory than before: the frames were read anyway.
     */
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private boolean releasing;

    Session(Gateway gateway, ServerWebSocket ws, HttpConnection connection) {
        this.gateway = gateway;
        this.owner = gateway.owner();
        this.ws = ws;
        this.connection = connection;
        this.rate = new TokenBucket(gateway.config().messagesPerSecond, gateway.config().messageBurst, System.nanoTime());
    }

    /**
     * Installs the socket's handlers, on the loop that serves the socket, right after the upgrade
     * (before it reads anything else): what arrives is handed to the owner in order, behind
     * {@link #start}, which the caller hands over next.
     */
    void listen() {
        loop = Thread.currentThread().getName();
        ws.setWriteQueueMaxSize(gateway.config().writeQueueMaxBytes);
        ws.binaryMessageHandler(owner.handler(b -> arrived(() -> onFrame(b))));
        ws.textMessageHandler(owner.handler(t -> arrived(() -> reject(0, new RelayException(ErrorCode.MALFORMED_FRAME,
                "text messages are not frames")))));
        ws.closeHandler(owner.handler(v -> onClosed()));
        ws.exceptionHandler(owner.handler(e -> close(CLOSE_GOING_AWAY, "error")));
        ws.drainHandler(owner.handler(v -> maybeUnblock()));
        ws.pongHandler(owner.handler(b -> lastHeard = System.nanoTime()));
    }

    /** Starts the session (on the owner); with a ticket's principal and device it is authenticated already. */
    void start(Optional<Principal> ticketPrincipal, Optional<DeviceId> ticketDevice) {
        try (LogIds ids = logIds()) {
            LOG.debug("connection opened");
        }
        pingTimer = gateway.vertx().setPeriodic(gateway.config().pingInterval.toMillis(), id -> keepAlive());
        if (ticketPrincipal.isPresent() && ticketDevice.isPresent()) {
            bind(0, ticketPrincipal.get(), ticketDevice.get(), false);
        } else {
            authTimer = gateway.vertx().setTimer(gateway.config().authTimeout.toMillis(), id -> {
                authTimer = -1;
                if (device == null) {
                    reject(0, new RelayException(ErrorCode.UNAUTHENTICATED, "no Authenticate frame in time"));
                    close(CLOSE_UNAUTHENTICATED, "unauthenticated");
                }
            });
        }
    }

    /** The name of the thread of the event loop that serves the socket. */
    String loop() {
        return loop;
    }

    Optional<DeviceId> device() {
        return Optional.ofNullable(device);
    }

    /** The connection's and (once known) the device's ids in the MDC, for a log call. */
    private LogIds logIds() {
        return logIds(null);
    }

    /** The connection's and device's ids, and the group's a request concerns (null: none). */
    private LogIds logIds(Bytes group) {
        return LogIds.of(connectionId, device, group);
    }

    Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    // ---- inbound -------------------------------------------------------------------------------

    /**
     * A message from the socket's loop ({@code handling} it, binary or text): handled now, or held
     * while reading is paused (or messages held before it wait).
     */
    private void arrived(Runnable handling) {
        if (closed) {
            return;
        }
        if (readingPaused || !held.isEmpty()) {
            held.add(handling);
            return;
        }
        handling.run();
    }

    private void onFrame(Buffer buffer) {
        lastHeard = System.nanoTime();
        if (closed) {
            return;
        }
        byte[] bytes = buffer.getBytes();
        long requestId = FrameCodec.requestIdOf(bytes);
        Envelope env;
        try {
            env = FrameCodec.decode(bytes, gateway.config().maxFrameBytes);
        } catch (RelayException e) {
            gateway.metrics().frameIn("invalid");
            if (e.code() == ErrorCode.FRAME_TOO_LARGE) {
                gateway.metrics().limitExceeded("frame_size");
            }
            reject(requestId, e);
            if (device == null) {
                close(CLOSE_UNAUTHENTICATED, "unauthenticated");
            }
            return;
        }
        gateway.metrics().frameIn(env.frame().getClass().getSimpleName());
        if (device == null) {
            if (env.frame() instanceof Frame.Authenticate a) {
                authenticate(env.requestId(), a);
            } else {
                reject(env.requestId(), new RelayException(ErrorCode.UNAUTHENTICATED, "the first frame must be Authenticate"));
                close(CLOSE_UNAUTHENTICATED, "unauthenticated");
            }
            return;
        }
        if (!(env.frame() instanceof Frame.ClientFrame cf)) {
            reject(env.requestId(), new RelayException(ErrorCode.MALFORMED_FRAME, "not a client frame"));
            return;
        }
        if (rateLimited(cf)) {
            long now = System.nanoTime();
            if (!rate.tryTake(now)) {
                gateway.metrics().limitExceeded("messages_per_second");
                reject(env.requestId(), new RelayException(ErrorCode.RATE_LIMITED, "too many requests",
                        rate.millisUntilNext(now)));
                return;
            }
        }
        dispatch(env.requestId(), cf);
    }

    private static boolean rateLimited(Frame.ClientFrame f) {
        return !(f instanceof Frame.AckGroup || f instanceof Frame.AckMailbox);
    }

    private void authenticate(long requestId, Frame.Authenticate a) {
        if (authenticating) {
            reject(requestId, new RelayException(ErrorCode.UNAUTHENTICATED, "authentication in progress"));
            return;
        }
        authenticating = true;
        gateway.verifier().verify(a.token()).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                RelayException e = ar.cause() instanceof RelayException r ? r
                        : new RelayException(ErrorCode.UNAUTHENTICATED, "invalid token");
                gateway.auditLoginRefused(Optional.empty(), Optional.empty(), e.code());
                try (LogIds ids = logIds()) {
                    LOG.debug("login refused: {}", e.code());
                }
                reject(requestId, e);
                close(e.code() == ErrorCode.TOKEN_EXPIRED ? CLOSE_TOKEN_EXPIRED : CLOSE_UNAUTHENTICATED, "unauthenticated");
                return;
            }
            Optional<DeviceId> id = DeviceId.of(ar.result().userId(), a.deviceId());
            if (id.isEmpty()) {
                gateway.auditLoginRefused(Optional.of(ar.result().userId()), Optional.empty(), ErrorCode.UNAUTHENTICATED);
                reject(requestId, new RelayException(ErrorCode.UNAUTHENTICATED, "invalid device id"));
                close(CLOSE_UNAUTHENTICATED, "unauthenticated");
                return;
            }
            bind(requestId, ar.result(), id.get(), true);
        });
    }

    /**
     * Binds the session to its device once the login is audited durably: until then the socket is
     * not read; if the audit log cannot record it, the login is refused ({@code UNAVAILABLE}).
     */
    private void bind(long requestId, Principal p, DeviceId id, boolean answer) {
        if (authTimer >= 0) {
            gateway.vertx().cancelTimer(authTimer);
            authTimer = -1;
        }
        try {
            gateway.register(this, id);
        } catch (RelayException e) {
            gateway.auditLoginRefused(Optional.of(id.userId()), Optional.of(id.deviceId()), e.code());
            reject(requestId, e);
            close(CLOSE_LIMIT, "limit");
            return;
        }
        principal = p;
        device = id;
        binding = true;
        updateReading();
        gateway.auditLogin(id).onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                reject(requestId, new RelayException(ErrorCode.UNAVAILABLE, "the relay cannot audit logins now; retry later"));
                close(CLOSE_GOING_AWAY, "unavailable");
                return;
            }
            armExpiry(p.expiresAt());
            try (LogIds ids = logIds()) {
                LOG.debug("device authenticated");
            }
            gateway.ds().attach(id, this).onComplete(attached -> {
                if (closed) {
                    return;
                }
                if (attached.failed()) {
                    // a cluster's relay could not read the device's state from the database
                    reject(requestId, attached.cause() instanceof RelayException r ? r
                            : new RelayException(ErrorCode.UNAVAILABLE, "the relay cannot serve this device now", 1_000));
                    close(CLOSE_GOING_AWAY, "unavailable");
                    return;
                }
                if (answer) {
                    send(requestId, new Frame.Ok(0));
                }
                binding = false;
                updateReading();
                pump();
            });
        });
    }

    /** Closes the connection when the token expires (timers of at most {@link #MAX_EXPIRY_TIMER}, re-armed). */
    private void armExpiry(Instant expiresAt) {
        expiryTimer = gateway.vertx().setTimer(expiryDelayMillis(expiresAt, Instant.now()), t -> {
            expiryTimer = -1;
            if (closed) {
                return;
            }
            if (Instant.now().isBefore(expiresAt)) {
                armExpiry(expiresAt);
                return;
            }
            reject(0, new RelayException(ErrorCode.TOKEN_EXPIRED, "token expired"));
            close(CLOSE_TOKEN_EXPIRED, "token expired");
        });
    }

    /**
     * Milliseconds from {@code now} until {@code expiresAt}: at least 1, at most
     * {@link #MAX_EXPIRY_TIMER}; no overflow for any pair of instants.
     */
    static long expiryDelayMillis(Instant expiresAt, Instant now) {
        if (!now.isBefore(expiresAt)) {
            return 1;
        }
        Duration left = Duration.between(now, expiresAt); // seconds in a long: holds any two Instants
        return left.compareTo(MAX_EXPIRY_TIMER) >= 0 ? MAX_EXPIRY_TIMER.toMillis() : Math.max(1, left.toMillis());
    }

    /** How long a client waits before retrying a request refused because the audit log cannot write. */
    static final long AUDIT_RETRY_MILLIS = 5_000;

    private void dispatch(long requestId, Frame.ClientFrame frame) {
        DeliveryService ds = gateway.ds();
        Bytes group = groupOf(frame);
        if (mustBeAudited(frame) && !gateway.auditOk()) {
            reject(requestId, group, new RelayException(ErrorCode.UNAVAILABLE,
                    "the relay cannot audit this now; retry later", AUDIT_RETRY_MILLIS));
            return;
        }
        switch (frame) {
            case Frame.Authenticate a -> reject(requestId, new RelayException(ErrorCode.FORBIDDEN, "already authenticated"));
            case Frame.PublishKeyPackages p -> reply(requestId, null, ds.publishKeyPackages(device, p).map(Frame.Ok::new));
            case Frame.ClaimKeyPackages c -> reply(requestId, null, ds.claimKeyPackages(device, c).map(Frame.KeyPackages::new));
            case Frame.CreateGroup c -> reply(requestId, group, ds.createGroup(device, c).map(Frame.Ok::new)
                    .onSuccess(ok -> logGroupEvent(group, "group created")));
            case Frame.SendCommit c -> reply(requestId, group, ds.sendCommit(device, c).map(Frame.Ok::new)
                    .onSuccess(ok -> logGroupEvent(group, "commit accepted")));
            case Frame.SendProposal p -> reply(requestId, group, ds.sendProposal(device, p).map(Frame.Ok::new));
            case Frame.SendApplication m -> reply(requestId, group, ds.sendApplication(device, m).map(Frame.Ok::new));
            case Frame.AckGroup a -> reply(requestId, group, ds.ackGroup(device, a.groupId(), a.seq()).map(seq -> {
                pump();
                return new Frame.Ok(seq);
            }));
            case Frame.AckMailbox a -> reply(requestId, null, ds.ackMailbox(device, a.seq()).map(Frame.Ok::new));
            case Frame.ContentFrame c -> reply(requestId, groupOf(c), gateway.content().handle(device, c));
            case Frame.Resume r -> {
                try {
                    ds.checkResume(device, r.groupId(), r.fromSeq());
                } catch (RelayException e) {
                    reject(requestId, group, e);
                    return;
                }
                if (r.groupId().isPresent()) {
                    Bytes g = r.groupId().get();
                    next.put(g, Math.max(1, r.fromSeq()));
                    generation.merge(g, 1, Integer::sum);
                    reading.remove(g);
                } else {
                    mailboxNext = Math.max(1, r.fromSeq());
                }
                send(requestId, new Frame.Ok(r.fromSeq()));
                pump();
            }
            case Frame.FetchExternalSender f -> {
                try {
                    send(requestId, ds.fetchExternalSender(f.cipherSuite()));
                } catch (RelayException e) {
                    reject(requestId, e);
                }
            }
            case Frame.FetchGroupInfo f -> reply(requestId, group, ds.fetchGroupInfo(device, f.groupId()));
        }
    }

    /**
     * Requests whose effect the audit log records (group creation, commits, KeyPackage claims,
     * acknowledgements): refused while it cannot write, rather than done unaudited.
     */
    private static boolean mustBeAudited(Frame.ClientFrame frame) {
        return frame instanceof Frame.CreateGroup || frame instanceof Frame.SendCommit
                || frame instanceof Frame.ClaimKeyPackages || frame instanceof Frame.AckGroup;
    }

    /** The group a request concerns, for its log events' {@code group} id (null: none). */
    private static Bytes groupOf(Frame.ClientFrame frame) {
        return switch (frame) {
            case Frame.CreateGroup c -> c.groupId();
            case Frame.SendCommit c -> c.groupId();
            case Frame.SendProposal p -> p.groupId();
            case Frame.SendApplication m -> m.groupId();
            case Frame.AckGroup a -> a.groupId();
            case Frame.Resume r -> r.groupId().orElse(null);
            case Frame.FetchGroupInfo f -> f.groupId();
            case Frame.Authenticate a -> null;
            case Frame.PublishKeyPackages p -> null;
            case Frame.ClaimKeyPackages c -> null;
            case Frame.AckMailbox a -> null;
            case Frame.FetchExternalSender f -> null;
            case Frame.UploadBlob u -> u.groupId();
            case Frame.ListHistory l -> l.groupId();
            case Frame.GrantHistory g -> g.groupId();
            case Frame.ListRecipients l -> l.groupId();
            case Frame.ShareRecord r -> r.groupId();
            case Frame.UploadChunk c -> null;
            case Frame.FetchBlob f -> null;
        };
    }

    /** A change of a group's state this device made, at DEBUG with the connection's, device's and group's ids. */
    private void logGroupEvent(Bytes group, String event) {
        if (LOG.isDebugEnabled()) {
            try (LogIds ids = logIds(group)) {
                LOG.debug(event);
            }
        }
    }

    private void reply(long requestId, Bytes group, Future<? extends Frame> result) {
        boolean counted = !result.isComplete();
        if (counted) {
            pendingRequests++; // bounded: read no more requests until some are answered
            updateReading();
        }
        result.onComplete(ar -> {
            if (counted) {
                pendingRequests--;
                updateReading();
            }
            if (ar.succeeded()) {
                send(requestId, ar.result());
            } else if (ar.cause() instanceof RelayException r) {
                reject(requestId, group, r);
            } else {
                try (LogIds ids = logIds(group)) {
                    LOG.warn("a request failed", ar.cause());
                }
                reject(requestId, new RelayException(ErrorCode.INTERNAL, "internal error"));
            }
        });
    }

    // ---- outbound ------------------------------------------------------------------------------

    /**
     * Writes a frame: replies and deliveries alike count against the write queue. A full queue stops
     * reading and deliveries (and starts the slow-client timer); more than {@code maxQueuedBytes}
     * closes the connection at once.
     */
    void send(long requestId, Frame frame) {
        if (closed || ws.isClosed()) {
            return;
        }
        write(Buffer.buffer(FrameCodec.encode(requestId, frame)), frame.getClass().getSimpleName());
    }

    /** Writes an encoded frame of the given type (its name in the metrics), as {@link #send}. */
    private void write(Buffer encoded, String type) {
        int size = encoded.length();
        long queued = queuedBytes.addAndGet(size);
        gateway.queued(size);
        ws.writeBinaryMessage(encoded).onComplete(ar -> {
            // on the socket's loop: the owner is told only when a blocked queue has drained to half
            long left = queuedBytes.addAndGet(-size);
            gateway.queued(-size);
            if (writeBlocked && left <= gateway.config().writeQueueMaxBytes / 2) {
                owner.run(this::maybeUnblock);
            }
        });
        gateway.metrics().frameOut(type);
        if (queued > gateway.config().maxQueuedBytes) {
            gateway.metrics().limitExceeded("queued_bytes");
            gateway.metrics().slowDisconnect();
            close(CLOSE_LIMIT, "too slow");
            return;
        }
        if (!writeBlocked && queueFull()) {
            writeBlocked = true;
            updateReading();
            startSlowTimer();
            // a write that completed on the socket's loop while this was decided saw no block and told no one
            owner.later(this::maybeUnblock);
        }
    }

    /** After a write completed or the socket drained: once the queue is at half or less, reading and deliveries go on. */
    private void maybeUnblock() {
        if (!writeBlocked || closed || ws.isClosed()
                || queuedBytes.get() > gateway.config().writeQueueMaxBytes / 2 || ws.writeQueueFull()) {
            return;
        }
        writeBlocked = false;
        cancelSlowTimer();
        updateReading();
        pump();
    }

    /** Reads requests only while no login is being audited, fewer than the maximum are pending, and writes flow. */
    private void updateReading() {
        if (closed) {
            return;
        }
        boolean read = !binding && !writeBlocked && pendingRequests < MAX_PENDING_REQUESTS;
        if (read && readingPaused) {
            readingPaused = false;
            if (releaseHeld()) {
                ws.resume();
            }
        } else if (!read && !readingPaused) {
            readingPaused = true;
            ws.pause();
        }
    }

    /**
     * Handles the held frames in order until one pauses reading again; whether all were handled (the
     * socket may be read again). A frame handled here may itself ask to read again: it finds the
     * release under way and leaves the resuming to it.
     */
    private boolean releaseHeld() {
        if (releasing) {
            return false;
        }
        releasing = true;
        try {
            while (!held.isEmpty() && !readingPaused && !closed) {
                held.poll().run();
            }
        } finally {
            releasing = false;
        }
        if (closed) {
            held.clear();
            return false;
        }
        return !readingPaused && held.isEmpty();
    }

    void reject(long requestId, RelayException e) {
        reject(requestId, null, e);
    }

    /** Refuses a request (about {@code group}, or null) with a typed error; logged at DEBUG by its code. */
    private void reject(long requestId, Bytes group, RelayException e) {
        if (LOG.isDebugEnabled()) {
            try (LogIds ids = logIds(group)) {
                LOG.debug("request {} refused: {}", requestId, e.code());
            }
        }
        gateway.metrics().rejected(e.code());
        send(requestId, Frame.Error.of(e));
    }

    private void startSlowTimer() {
        if (slowTimer >= 0) {
            return;
        }
        slowTimer = gateway.vertx().setTimer(gateway.config().slowClientTimeout.toMillis(), id -> {
            slowTimer = -1;
            if (writeBlocked) {
                gateway.metrics().slowDisconnect();
                close(CLOSE_LIMIT, "too slow");
            }
        });
    }

    private void cancelSlowTimer() {
        if (slowTimer >= 0) {
            gateway.vertx().cancelTimer(slowTimer);
            slowTimer = -1;
        }
    }

    private boolean queueFull() {
        return closed || ws.isClosed() || queuedBytes.get() >= gateway.config().writeQueueMaxBytes
                || ws.writeQueueFull();
    }

    /** Unacknowledged messages written to this device. */
    private long outstanding() {
        long n = 0;
        for (Map.Entry<Bytes, Long> e : next.entrySet()) {
            n += Math.max(0, e.getValue() - 1 - gateway.ds().cursor(device, e.getKey()));
        }
        return n;
    }

    /** Writes what the device may receive next, as far as the window and the write queue allow. */
    void pump() {
        if (closed || device == null) {
            return;
        }
        if (pumping) {
            repump = true; // a read completed synchronously inside the loop: go round again
            return;
        }
        pumping = true;
        try {
            do {
                repump = false;
                pumpOnce();
            } while (repump && !closed);
        } finally {
            pumping = false;
        }
    }

    private void pumpOnce() {
        {
            DeliveryService ds = gateway.ds();
            if (mailboxNext < 0) {
                mailboxNext = ds.mailboxStart(device);
            }
            while (!queueFull()) {
                List<Mailboxes.Entry> entries = ds.mailbox(device, mailboxNext, READ_BATCH);
                if (entries.isEmpty()) {
                    break;
                }
                for (Mailboxes.Entry e : entries) {
                    if (queueFull()) {
                        break; // the rest is read again once the queue drains
                    }
                    send(0, new Frame.WelcomeDelivery(e.mailboxSeq(), e.groupId(), e.groupSeq(), e.welcome()));
                    mailboxNext = e.mailboxSeq() + 1;
                }
            }
            int max = gateway.config().maxInFlight;
            for (Bytes g : ds.receivingGroups(device)) {
                if (queueFull()) {
                    break;
                }
                long room = max - outstanding();
                if (room <= 0) {
                    break;
                }
                if (reading.contains(g)) {
                    continue;
                }
                // never before the device joined nor inside a re-add gap it has passed
                long from = ds.clampFrom(device, g, next.computeIfAbsent(g, k -> ds.deliveryStart(device, k)));
                next.put(g, from);
                if (from >= ds.deliveryEnd(device, g)) {
                    continue;
                }
                reading.add(g);
                int gen = generation.getOrDefault(g, 0);
                ds.read(device, g, from, (int) Math.min(READ_BATCH, room)).onComplete(ar -> {
                    if (generation.getOrDefault(g, 0) != gen) {
                        return;
                    }
                    reading.remove(g);
                    if (closed) {
                        return;
                    }
                    if (ar.succeeded()) {
                        deliver(g, ar.result());
                    }
                    pump();
                });
            }
        }
    }

    private void deliver(Bytes g, List<GroupMessage> messages) {
        long now = System.currentTimeMillis();
        long end = gateway.ds().deliveryEnd(device, g); // the device may have been cut off meanwhile
        for (GroupMessage m : messages) {
            long expected = next.getOrDefault(g, 1L);
            if (m.seq() < expected || m.seq() >= end) {
                continue;
            }
            if (queueFull()) {
                break; // read again from next once the queue drains (or never: closed)
            }
            write(gateway.deliveryFrame(m), DELIVER);
            gateway.metrics().delivered(m.timestampMillis(), now);
            next.put(g, m.seq() + 1);
        }
    }

    // ---- DeliveryService.Listener --------------------------------------------------------------

    @Override
    public void groupAdvanced(Bytes groupId) {
        pump();
    }

    @Override
    public void mailboxAdvanced() {
        pump();
    }

    @Override
    public void accessChanged(Bytes groupId) {
        if (!gateway.ds().receivingGroups(device).contains(groupId)) {
            next.remove(groupId);
            reading.remove(groupId);
            generation.merge(groupId, 1, Integer::sum);
        }
        pump();
    }

    // ---- keepalive -----------------------------------------------------------------------------

    /** Each {@code pingInterval}: close a dead peer, or ping. */
    private void keepAlive() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (readingPaused) {
            lastHeard = now; // not read: its pongs wait in the socket; the slow-client rule applies instead
            return;
        }
        if (now - lastHeard >= gateway.config().pingTimeout.toNanos()) {
            gateway.metrics().deadPeer();
            close(CLOSE_GOING_AWAY, "no answer to pings");
            ConnectionAbort.abort(connection); // it reads nothing: no close handshake to wait for
            return;
        }
        ws.writePing(Buffer.buffer());
    }

    // ---- closing -------------------------------------------------------------------------------

    /** Tells the device to reconnect later (graceful shutdown). */
    void goingAway(long retryAfterMillis) {
        send(0, new Frame.Reconnect(retryAfterMillis));
    }

    void close(short code, String reason) {
        if (closed) {
            return;
        }
        try (LogIds ids = logIds()) {
            LOG.debug("closing the connection: {} {}", code, reason);
        }
        ws.close(code, reason);
        // the close frame waits behind whatever is queued, and Vert.x only starts its closing timeout
        // once that frame is written: a client that never reads would keep the connection (and its
        // queue) forever. After the grace period the TCP connection is closed regardless.
        gateway.vertx().setTimer(CLOSE_GRACE.toMillis(), t -> ConnectionAbort.abort(connection));
        onClosed();
    }

    private void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        try (LogIds ids = logIds()) {
            LOG.debug("connection closed");
        }
        for (long t : new long[] {authTimer, expiryTimer, slowTimer, pingTimer}) {
            if (t >= 0) {
                gateway.vertx().cancelTimer(t);
            }
        }
        if (device != null) {
            gateway.ds().detach(device, this);
            gateway.unregister(this, device);
        }
        gateway.closed(this);
    }
}
