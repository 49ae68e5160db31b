package dev.ampoule.relay.gateway;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.auth.Principal;
import dev.ampoule.relay.auth.TicketService;
import dev.ampoule.relay.auth.Tickets;
import dev.ampoule.relay.auth.TokenVerifier;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.ds.DeliveryService;
import dev.ampoule.relay.ds.TokenBucket;
import dev.ampoule.relay.loop.Loop;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the relay: the WebSocket endpoint ({@code /v1/ws}, first-frame token or
 * {@code ?ticket=&device=}), tickets ({@code POST /v1/tickets}), {@code /metrics}, {@code /health}
 * and {@code /ready} (ready: the Delivery Service is, the relay is not shutting down, and the store
 * and the audit log can write); and the registry of open sessions (connections per user, one session per
 * device). Logins and refused logins are audited (refusals at most {@value #REFUSALS_PER_SECOND}
 * per second, with a burst of {@value #REFUSAL_BURST}, so that unauthenticated callers cannot flood
 * the audit log; the next audited refusal counts those left out). HTTP refusals carry a typed
 * body ({@link #refuse}). The total of bytes queued for all connections is the gauge
 * {@value #QUEUED_BYTES}. Confined to the owner's event loop ({@link Loop}); other loops
 * may serve its sockets and hand what they receive over.
 */
public final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    static final int REFUSALS_PER_SECOND = 50;
    /** The WebSocket endpoint. */
    public static final String WEBSOCKET_PATH = "/v1/ws";
    /** Gauge: bytes written to the relay's WebSockets whose write has not completed, all connections together. */
    public static final String QUEUED_BYTES = "ampoule.ws.queued.bytes";
    static final int REFUSAL_BURST = 500;

    private final Vertx vertx;
    private final RelayConfig config;
    private final DeliveryService ds;
    private final TokenVerifier verifier;
    private final Tickets tickets;
    private final RelayMetrics metrics;
    private final AuditSink audit;
    private final ContentHandler content;
    private final TokenBucket refusalAudits = new TokenBucket(REFUSALS_PER_SECOND, REFUSAL_BURST, System.nanoTime());
    private long refusalsNotAudited;
    private final Set<Session> sessions = new LinkedHashSet<>();
    private final Map<String, Integer> perUser = new HashMap<>();
    private final Map<DeviceId, Session> perDevice = new HashMap<>();
    private boolean draining;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final DeliveryFrames deliveryFrames = new DeliveryFrames();
    /** The loop this gateway (and the relay's state) is confined to; other loops may serve its sockets. */
    private final Loop owner = Loop.current();

    public Gateway(Vertx vertx, RelayConfig config, DeliveryService ds, TokenVerifier verifier, Tickets tickets,
            RelayMetrics metrics, AuditSink audit) {
        this(vertx, config, ds, verifier, tickets, metrics, audit, ContentHandler.NONE);
    }

    /** With the handler of the frames about blobs, history and records ({@link Frame.ContentFrame}). */
    public Gateway(Vertx vertx, RelayConfig config, DeliveryService ds, TokenVerifier verifier, Tickets tickets,
            RelayMetrics metrics, AuditSink audit, ContentHandler content) {
        this.content = content;
        this.vertx = vertx;
        this.audit = audit;
        this.config = config;
        this.ds = ds;
        this.verifier = verifier;
        this.tickets = tickets;
        this.metrics = metrics;
        metrics.gauge(RelayMetrics.CONNECTIONS, sessions::size);
        metrics.gauge(QUEUED_BYTES, queuedBytes::get);
        metrics.gauge(RelayMetrics.READY, () -> ready() ? 1 : 0);
    }

    Vertx vertx() {
        return vertx;
    }

    /** The loop of the relay's state. */
    public Loop owner() {
        return owner;
    }

    RelayConfig config() {
        return config;
    }

    DeliveryService ds() {
        return ds;
    }

    ContentHandler content() {
        return content;
    }

    TokenVerifier verifier() {
        return verifier;
    }

    RelayMetrics metrics() {
        return metrics;
    }

    /** The encoded Deliver frame of a group message, shared by its recipients. */
    Buffer deliveryFrame(GroupMessage m) {
        return deliveryFrames.frame(m);
    }

    /** Audits a login of {@code device}; the future completes once the entry is durable. */
    Future<Void> auditLogin(DeviceId device) {
        return audit.record(AuditEvent.of(AuditType.LOGIN, device.userId(), null, device.userId(),
                Map.of("device", device.deviceId())));
    }

    /**
     * Audits a refused login (never the token): the error code, and the user and device when the
     * token was valid. Rate-limited; failures to record are logged, the refusal stands anyway.
     */
    void auditLoginRefused(Optional<String> user, Optional<String> device, ErrorCode code) {
        if (!refusalAudits.tryTake(System.nanoTime())) {
            refusalsNotAudited++;
            return;
        }
        Map<String, String> details = new HashMap<>();
        details.put("code", code.name());
        device.ifPresent(d -> details.put("device", d));
        if (refusalsNotAudited > 0) {
            details.put("notAuditedBefore", Long.toString(refusalsNotAudited));
            refusalsNotAudited = 0;
        }
        audit.record(new AuditEvent(AuditType.LOGIN_REFUSED, user, Optional.empty(), user, details))
                .onFailure(e -> LOG.warn("a refused login was not audited: {}", e.getMessage()));
    }

    /** Whether the audit log can write: requests that must be audited are refused while it cannot. */
    boolean auditOk() {
        return audit.ok();
    }

    /** A session's queued bytes changed by {@code delta}. */
    void queued(long delta) {
        queuedBytes.addAndGet(delta);
    }

    public int sessionCount() {
        return sessions.size();
    }

    /** The thread name of the event loop that serves {@code device}'s connection, if it is connected; on the owner. */
    public Optional<String> loopOf(DeviceId device) {
        return Optional.ofNullable(perDevice.get(device)).map(Session::loop);
    }

    /** The open connections by the event loop that serves their sockets (its thread's name); on the owner. */
    public Map<String, Long> connectionsPerLoop() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (Session s : sessions) {
            counts.merge(s.loop(), 1L, Long::sum);
        }
        return counts;
    }

    /**
     * The relay's HTTP request handler: {@code GET /v1/ws} is answered here, before {@code router} —
     * its query carries browser tickets, and a router traces every request's full URI at its most
     * detailed log level — everything else by {@code router}. The servers of every loop that serves
     * the relay's sockets use it: the WebSocket's admission and its session run on the owner, and so
     * do the routes' handlers (each hands itself over, {@link Loop#handler}).
     */
    public Handler<HttpServerRequest> requestHandler(Router router) {
        return req -> {
            if (req.method() == HttpMethod.GET && WEBSOCKET_PATH.equals(req.path())) {
                upgrade(req);
            } else {
                router.handle(req);
            }
        };
    }

    /**
     * The routes of the relay's HTTP server but the WebSocket endpoint (see {@link #requestHandler}):
     * tickets, {@code /health}, {@code /ready} and, unless {@code withMetrics} is false (a separate
     * metrics listener serves them), {@code /metrics}.
     */
    public Router router(boolean withMetrics) {
        Router router = Router.router(vertx);
        router.post("/v1/tickets").handler(owner.handler(this::issueTicket));
        operationsRoutes(router, withMetrics);
        return router;
    }

    /** The routes of the separate metrics listener ({@code metricsPort}): {@code /metrics}, {@code /health}, {@code /ready}. */
    public Router operationsRouter() {
        Router router = Router.router(vertx);
        operationsRoutes(router, true);
        return router;
    }

    /**
     * {@code /health}: the process answers — 200 as long as its event loop runs (a failing probe
     * means restart it). {@code /ready}: the relay can serve now — recovered, not draining, its store
     * and audit log writable; 503 otherwise (take it out of the load balancer, do not restart it). {@code /metrics}: Prometheus.
     */
    private void operationsRoutes(Router router, boolean withMetrics) {
        router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
        router.get("/ready").handler(owner.handler(ctx -> {
            boolean ready = ready();
            ctx.response().setStatusCode(ready ? 200 : 503);
            ctx.json(new JsonObject().put("status", ready ? "READY" : "NOT_READY"));
        }));
        if (withMetrics) {
            // the gauges read the relay's state: scraped on the owner
            router.get("/metrics").handler(owner.handler(ctx -> {
                if (metrics.registry() instanceof PrometheusMeterRegistry prom) {
                    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(prom.scrape());
                } else {
                    ctx.response().setStatusCode(404).end();
                }
            }));
        }
    }

    /** Whether {@code /ready} answers 200: recovered, not draining, and the store and the audit log can write. */
    public boolean ready() {
        return ds.ready() && ds.storeAvailable() && !draining && audit.ok();
    }

    /**
     * A WebSocket request, on the loop that serves its socket: paused while the owner decides
     * ({@link #admit}); the refusal or the upgrade then happens on the socket's loop, and the new
     * session's handlers are installed there before it reads anything, its start handed to the owner.
     */
    private void upgrade(HttpServerRequest req) {
        Loop socketLoop = Loop.current();
        req.pause();
        owner.run(() -> admit(req).onComplete(ar -> socketLoop.run(() -> {
            Admission decided = ar.succeeded() ? ar.result() : new Admission.Refused(503,
                    new RelayException(ErrorCode.UNAVAILABLE, "the connection cannot be admitted now", 1_000));
            switch (decided) {
                case Admission.Refused r -> refuse(req.response(), r.status(), r.error());
                case Admission.Admitted a -> accept(req, a.principal(), a.device());
            }
        })));
    }

    /** The owner's decision on a WebSocket request. */
    private sealed interface Admission {
        /** Upgraded: authenticated already when it came with a ticket. */
        record Admitted(Optional<Principal> principal, Optional<DeviceId> device) implements Admission { }

        /** Refused with an HTTP status and a typed body. */
        record Refused(int status, RelayException error) implements Admission { }
    }

    /** On the owner: whether the relay takes the connection, and whose it is when it comes with a ticket. Never fails. */
    private Future<Admission> admit(HttpServerRequest req) {
        if (draining || !ds.ready()) {
            return Future.succeededFuture(new Admission.Refused(503,
                    new RelayException(ErrorCode.UNAVAILABLE, "not ready or shutting down", 1_000)));
        }
        String ticket = req.getParam("ticket");
        if (ticket == null) {
            return Future.succeededFuture(new Admission.Admitted(Optional.empty(), Optional.empty()));
        }
        // the ticket may have been issued by another node: redeeming it may take a database round trip
        return tickets.take(ticket).transform(ar -> {
            Optional<Principal> principal = ar.succeeded() ? ar.result() : Optional.empty();
            String deviceId = req.getParam("device");
            Optional<DeviceId> device = principal.flatMap(p -> DeviceId.of(p.userId(), deviceId));
            if (ar.failed()) {
                return Future.succeededFuture(new Admission.Refused(503,
                        new RelayException(ErrorCode.UNAVAILABLE, "tickets cannot be checked now", 1_000)));
            }
            if (principal.isEmpty() || device.isEmpty()) {
                metrics.rejected(ErrorCode.UNAUTHENTICATED);
                auditLoginRefused(principal.map(Principal::userId), Optional.empty(), ErrorCode.UNAUTHENTICATED);
                return Future.succeededFuture(new Admission.Refused(401, new RelayException(ErrorCode.UNAUTHENTICATED,
                        "invalid or expired ticket, or invalid device id")));
            }
            return Future.succeededFuture(new Admission.Admitted(principal, device));
        });
    }

    /** On the socket's loop: the upgrade, the session's handlers, then the session's start on the owner. */
    private void accept(HttpServerRequest req, Optional<Principal> p, Optional<DeviceId> d) {
        HttpConnection connection = req.connection();
        req.toWebSocket().onSuccess(ws -> {
            Session s = new Session(this, ws, connection);
            s.listen();
            owner.run(() -> {
                sessions.add(s);
                if (draining) {
                    // admitted just before the shutdown began: closed like the others
                    s.close(Session.CLOSE_GOING_AWAY, "relay shutting down");
                    return;
                }
                s.start(p, d);
            });
        });
    }

    private void issueTicket(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            metrics.rejected(ErrorCode.UNAUTHENTICATED);
            refuse(ctx, 401, new RelayException(ErrorCode.UNAUTHENTICATED, "a bearer token is required"));
            return;
        }
        verifier.verify(auth.substring(7).trim()).onComplete(ar -> {
            if (ar.failed()) {
                RelayException e = ar.cause() instanceof RelayException r ? r
                        : new RelayException(ErrorCode.UNAUTHENTICATED, "invalid token");
                metrics.rejected(e.code());
                auditLoginRefused(Optional.empty(), Optional.empty(), e.code());
                refuse(ctx, 401, e);
                return;
            }
            tickets.grant(ar.result()).onComplete(issued -> {
                if (issued.failed()) {
                    refuse(ctx, 503, new RelayException(ErrorCode.UNAVAILABLE, "tickets cannot be issued now", 1_000));
                    return;
                }
                switch (issued.result()) {
                    case TicketService.Issue.Granted g -> ctx.json(new JsonObject().put("ticket", g.ticket())
                            .put("expiresInSeconds", tickets.ttl().toSeconds()));
                    case TicketService.Issue.Refused r -> {
                        metrics.rejected(ErrorCode.RATE_LIMITED);
                        metrics.limitExceeded(r.refusal().limit);
                        refuse(ctx, 429, r.asError());
                    }
                }
            });
        });
    }

    /**
     * An HTTP refusal with a typed body, {@code {"code": "<ErrorCode>", "message": "..."}}, and
     * {@code Retry-After} (whole seconds, rounded up) when the error carries a retry hint.
     */
    static void refuse(RoutingContext ctx, int status, RelayException e) {
        refuse(ctx.response(), status, e);
    }

    static void refuse(HttpServerResponse res, int status, RelayException e) {
        if (e.retryAfterMillis() > 0) {
            res.putHeader("Retry-After", Long.toString(Math.max(1, (e.retryAfterMillis() + 999) / 1000)));
        }
        res.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("code", e.code().name()).put("message", e.detail()).encode());
    }

    /** Binds a session to its device: enforces connections per user; an older session of the device is closed. */
    void register(Session s, DeviceId device) {
        Session old = perDevice.get(device);
        int count = perUser.getOrDefault(device.userId(), 0);
        if (old == null && count >= config.connectionsPerUser) {
            metrics.limitExceeded("connections_per_user");
            throw new RelayException(ErrorCode.LIMIT_EXCEEDED, "at most " + config.connectionsPerUser
                    + " connections per user");
        }
        if (old != null) {
            old.close(Session.CLOSE_SUPERSEDED, "superseded by a new connection");
        }
        perDevice.put(device, s);
        perUser.merge(device.userId(), 1, Integer::sum);
    }

    void unregister(Session s, DeviceId device) {
        if (perDevice.get(device) == s) {
            perDevice.remove(device);
        }
        perUser.computeIfPresent(device.userId(), (u, n) -> n <= 1 ? null : n - 1);
    }

    void closed(Session s) {
        sessions.remove(s);
    }

    /** Graceful shutdown, first half: refuse new connections and tell every device to reconnect. */
    public void drain() {
        draining = true;
        long retry = Math.max(1_000, config.shutdownGrace.toMillis());
        for (Session s : List.copyOf(sessions)) {
            s.goingAway(retry);
        }
    }

    /** Graceful shutdown, second half: close every connection. */
    public Future<Void> closeAll() {
        for (Session s : List.copyOf(sessions)) {
            s.close(Session.CLOSE_GOING_AWAY, "relay shutting down");
        }
        return Future.succeededFuture();
    }

}
