package dev.ampoule.relay.admin;

import dev.ampoule.relay.loop.Loop;
import dev.ampoule.relay.audit.AuditEntry;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditLog;
import dev.ampoule.relay.audit.AuditQuery;
import dev.ampoule.relay.audit.AuditScope;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.auth.Principal;
import dev.ampoule.relay.auth.TokenVerifier;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.Roster;
import dev.ampoule.relay.roster.RosterException;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.ext.web.handler.HttpException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin REST API (contract: {@value #OPENAPI_RESOURCE}, served at {@code GET /v1/openapi.yaml}):
 * care teams, their rosters, a user's teams, GDPR erasure and audit queries. {@link #router()} holds
 * the routes relative to {@code /v1}; the relay mounts it with
 * {@code router.route("/v1/*").subRouter(adminApi.router())} on its HTTP server.
 *
 * <p>Every call carries {@code Authorization: Bearer <JWT>}, verified with the relay's
 * {@link TokenVerifier}; the decision is taken from the token's claims ({@code sub}, {@code org},
 * {@code roles}) and the roster:
 * <ul>
 * <li>create a team: an org admin, or any user with an {@code org} claim (who becomes the team's
 *     first coordinator; an org admin does not). The team belongs to the caller's org;</li>
 * <li>read a team and its roster: org admins of its org and users on its roster;</li>
 * <li>change a team (members, archive, retention): org admins of its org and its coordinators;</li>
 * <li>a user's teams: the user, or an org admin (who sees the teams of their org);</li>
 * <li>erase a user: org admins, of their org's users only ({@code 404} for any other user, the same
 *     answer whether the user belongs to another org, to none, or does not exist);</li>
 * <li>audit queries: org admins, who read their org's entries only ({@link AuditScope}).</li>
 * </ul>
 * Tenancy: every authenticated call whose token has an {@code org} claim first records that org as
 * the caller's ({@link Roster#claimOrg}) if the relay knows none for them; a token whose {@code org}
 * claim contradicts the caller's recorded org is refused ({@code 403}, whatever the call) —
 * the token would let its holder act in an organisation the relay knows they are not of.
 * Bodies are read strictly: a JSON object with only the documented members ({@code 400} for an
 * unknown member, a wrong type or a value out of range), checked before anything changes.
 *
 * <p>Limits: the {@link Roster}'s quotas (teams per organisation, teams a user creates, members per
 * team) answer {@code 409 QUOTA_EXCEEDED}; each user's writes ({@code POST}, {@code PUT},
 * {@code DELETE}) are limited to {@code writesPerMinute} (a minute's worth at once at most) and
 * beyond answer {@code 429 RATE_LIMITED} with {@code Retry-After}. Both change nothing and count in
 * {@link RelayMetrics#LIMITS} ({@code limit} = the quota's name, or {@value #WRITES_LIMIT}).
 *
 * <p>While the audit log cannot write ({@link AuditLog#ok()} false: a full disk, I/O errors), calls
 * are not done: {@code 503 AUDIT_UNAVAILABLE} with {@code Retry-After}. A call whose own
 * {@code admin_call} entry cannot be written is answered so too, whatever it found (a read does not
 * disclose, a change that became durable as the log failed is counted in the log's outage entry).
 *
 * <p>Every call but the contract's download is audited ({@code admin_call}: method, route template,
 * status, and the ids in the path; never bodies, team names or tokens) before it is answered; roster changes are audited by
 * the {@link Roster}. Event-loop confined, like the roster.
 */
public final class AdminApi {

    /** The OpenAPI contract, on the class path. */
    public static final String OPENAPI_RESOURCE = "openapi/ampoule-admin.yaml";
    /** The largest request body accepted ({@code 413} beyond). */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    /** Entries per audit query when {@code limit} is absent. */
    public static final int DEFAULT_AUDIT_LIMIT = 100;
    /** Admin writes per user and minute by default ({@code adminWritesPerMinute}). */
    public static final int DEFAULT_WRITES_PER_MINUTE = 120;
    /** The {@code Retry-After} of a call refused because the audit log cannot write. */
    static final long AUDIT_RETRY_MILLIS = 5_000;
    /** The {@code limit} tag of writes refused for their rate. */
    public static final String WRITES_LIMIT = "admin_writes_per_user";

    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final String JSON = "application/json";
    private static final String NDJSON = "application/x-ndjson";

    private final Vertx vertx;
    /** The loop of the roster and the audit log: every call runs there, whichever loop serves its socket. */
    private final Loop owner;
    private final Roster roster;
    private final TokenVerifier verifier;
    private final AuditLog audit;
    private final WriteRateLimiter writes;
    private final RelayMetrics metrics;
    private Future<Buffer> contract;

    /** What a route does for an authenticated caller; refusals are thrown or failed as {@link ApiError}s. */
    @FunctionalInterface
    interface Action {
        Future<Reply> run(RoutingContext ctx, Principal caller);
    }

    public AdminApi(Vertx vertx, Roster roster, TokenVerifier verifier, AuditLog audit) {
        this(vertx, roster, verifier, audit, DEFAULT_WRITES_PER_MINUTE, new RelayMetrics(new SimpleMeterRegistry()));
    }

    /**
     * @param writesPerMinute each user's admin writes a minute ({@code adminWritesPerMinute})
     * @param metrics where refusals for a limit are counted
     */
    public AdminApi(Vertx vertx, Roster roster, TokenVerifier verifier, AuditLog audit, int writesPerMinute,
            RelayMetrics metrics) {
        this.vertx = vertx;
        this.owner = Loop.current();
        this.roster = roster;
        this.verifier = verifier;
        this.audit = audit;
        this.writes = new WriteRateLimiter(writesPerMinute);
        this.metrics = metrics;
    }

    /**
     * Mounts the API at {@code /v1} on the relay's router, which then also answers a request it
     * cannot even route — a path that is not valid percent-encoding — with a JSON {@code 400}.
     */
    public void mount(Router root) {
        mount(root, v1 -> { });
    }

    /** The same, with the routes {@code more} adds to the API's router (the history and record calls). */
    public void mount(Router root, java.util.function.Consumer<Router> more) {
        Router v1 = router();
        more.accept(v1);
        root.route("/v1/*").subRouter(v1);
        root.errorHandler(400, AdminApi::unreadable);
    }

    /** The answer to a request the router itself refused as unreadable (its path or query). */
    private static void unreadable(RoutingContext ctx) {
        HttpServerResponse res = ctx.response();
        if (!res.ended() && !res.closed()) {
            res.setStatusCode(400).putHeader("Content-Type", JSON).putHeader("Cache-Control", "no-store")
                    .end(ApiError.badRequest("unreadable request").toJson().toBuffer());
        }
    }

    /** The API's routes, relative to where it is mounted ({@code /v1}). */
    public Router router() {
        Router r = Router.router(vertx);
        // a path parameter or query string that is not valid percent-encoding, refused while routing
        r.errorHandler(400, AdminApi::unreadable);
        BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
        r.get("/openapi.yaml").setName("getOpenApi").handler(owner.handler(this::serveContract));
        route(r, HttpMethod.POST, "/teams", "createTeam", body, this::createTeam);
        route(r, HttpMethod.GET, "/teams", "listTeams", null, this::listTeams);
        route(r, HttpMethod.GET, "/teams/:teamId", "getTeam", null, this::getTeam);
        route(r, HttpMethod.POST, "/teams/:teamId/archive", "archiveTeam", null, this::archiveTeam);
        route(r, HttpMethod.PUT, "/teams/:teamId/retention", "setRetention", body, this::setRetention);
        route(r, HttpMethod.GET, "/teams/:teamId/members", "listMembers", null, this::listMembers);
        route(r, HttpMethod.PUT, "/teams/:teamId/members/:userId", "putMember", body, this::putMember);
        route(r, HttpMethod.DELETE, "/teams/:teamId/members/:userId", "removeMember", null, this::removeMember);
        route(r, HttpMethod.GET, "/users/:userId/teams", "listUserTeams", null, this::userTeams);
        route(r, HttpMethod.DELETE, "/users/:userId", "eraseUser", null, this::eraseUser);
        route(r, HttpMethod.GET, "/audit", "queryAudit", null, this::queryAudit);
        route(r, HttpMethod.GET, "/audit/export", "exportAudit", null, this::exportAudit);
        return r;
    }

    // ---- plumbing ------------------------------------------------------------------------------

    void route(Router r, HttpMethod method, String path, String operationId, BodyHandler body, Action action) {
        String template = "/v1" + path.replaceAll(":([A-Za-z]+)", "{$1}");
        var route = r.route(method, path).setName(operationId);
        if (body != null) {
            route.handler(body);
        }
        // the body is read on the socket's loop; the call itself runs on the owner of the roster
        route.handler(owner.handler(ctx -> handle(ctx, method, template, action)));
        route.failureHandler(owner.handler(ctx -> {
            // the body handler's refusals (413 too large, 400 unreadable)
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            if (status == 500) {
                LOG.warn("admin call {} {} failed", method, template, ctx.failure());
            }
            ApiError e = new ApiError(status, status == 500 ? ApiError.INTERNAL : ApiError.BAD_REQUEST,
                    status == 413 ? "the body is larger than " + MAX_BODY_BYTES + " bytes" : "unreadable request");
            finish(ctx, method, template, Optional.empty(), errorReply(e));
        }));
    }

    private void handle(RoutingContext ctx, HttpMethod method, String template, Action action) {
        try {
            Inputs.requireReadableQuery(ctx);
        } catch (ApiError e) {
            finish(ctx, method, template, Optional.empty(), errorReply(e));
            return;
        }
        Future<Principal> caller = authenticate(ctx);
        caller.compose(p -> audit.ok() ? Future.succeededFuture(p)
                        : Future.failedFuture(ApiError.auditUnavailable(AUDIT_RETRY_MILLIS)))
                .compose(p -> method == HttpMethod.GET ? Future.succeededFuture(p) : rateLimited(p))
                .compose(this::tenant).compose(p -> {
            try {
                return action.run(ctx, p);
            } catch (ApiError | RosterException e) {
                return Future.failedFuture(e);
            }
        }).onComplete(ar -> {
            Reply reply = ar.succeeded() ? ar.result() : errorReply(ar.cause());
            finish(ctx, method, template, caller.succeeded() ? Optional.of(caller.result()) : Optional.empty(), reply);
        });
    }

    /** Audits the call ({@code admin_call}), then answers it. */
    private void finish(RoutingContext ctx, HttpMethod method, String template, Optional<Principal> caller,
            Reply reply) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("method", method.name());
        details.put("route", template);
        details.put("status", Integer.toString(reply.status()));
        if (reply instanceof Reply.Json j && j.status() >= 400) {
            details.put("code", j.body().getString("code", ""));
        }
        // ids from the path only for an authenticated caller, and only when well formed
        String team = caller.isPresent() ? pathId(ctx, "teamId") : null;
        String user = caller.isPresent() ? pathId(ctx, "userId") : null;
        AuditEvent event = AuditEvent.of(AuditType.ADMIN_CALL, caller.map(Principal::userId).orElse(null), team, user,
                details);
        Future<Void> audited;
        try {
            audited = audit.record(event);
        } catch (RuntimeException e) {
            audited = Future.failedFuture(e);
        }
        audited.onComplete(ar -> {
            if (ar.failed()) {
                // never answered unaudited
                LOG.warn("admin call {} {} could not be audited ({}): answered 503", method, template,
                        ar.cause().getMessage());
                ApiError e = ApiError.auditUnavailable(AUDIT_RETRY_MILLIS);
                send(ctx, new Reply.Json(e.status(), e.toJson(), e.headers()));
                return;
            }
            send(ctx, reply);
        });
    }

    private static String pathId(RoutingContext ctx, String name) {
        String v = ctx.pathParam(name);
        return Roster.validId(v) ? v : null;
    }

    private static void send(RoutingContext ctx, Reply reply) {
        HttpServerResponse res = ctx.response();
        if (res.ended() || res.closed()) {
            return;
        }
        res.setStatusCode(reply.status());
        switch (reply) {
            case Reply.Json j -> {
                j.headers().forEach(res::putHeader);
                if (j.status() == 401) {
                    res.putHeader("WWW-Authenticate", "Bearer");
                }
                res.putHeader("Content-Type", JSON).putHeader("Cache-Control", "no-store").end(j.body().toBuffer());
            }
            case Reply.Empty e -> res.end();
            case Reply.Stream s -> {
                res.setChunked(true).putHeader("Content-Type", s.contentType()).putHeader("Cache-Control", "no-store");
                s.writer().apply(res).onComplete(ar -> {
                    if (ar.succeeded()) {
                        res.end();
                    } else {
                        LOG.warn("an audit export failed part-way", ar.cause());
                        res.reset();
                    }
                });
            }
        }
    }

    /** Takes one of the caller's writes, or refuses the call ({@code 429}) beyond their rate. */
    private Future<Principal> rateLimited(Principal caller) {
        OptionalLong wait = writes.take(caller.userId(), System.nanoTime());
        if (wait.isEmpty()) {
            return Future.succeededFuture(caller);
        }
        metrics.limitExceeded(WRITES_LIMIT);
        return Future.failedFuture(ApiError.rateLimited("too many admin writes by this user; retry later",
                wait.getAsLong()));
    }

    private Reply errorReply(Throwable t) {
        ApiError e = switch (t) {
            case ApiError a -> a;
            case RosterException r -> switch (r.kind()) {
                case NOT_FOUND -> ApiError.notFound(r.getMessage());
                case CONFLICT -> ApiError.conflict(r.getMessage());
                case INVALID -> ApiError.badRequest(r.getMessage());
                case INCOMPLETE, STORE -> ApiError.internal(r.getMessage());
                case QUOTA -> {
                    metrics.limitExceeded(r.limit().orElse("roster_quota"));
                    yield ApiError.quotaExceeded(r.getMessage());
                }
            };
            // the web layer's refusal of unreadable input (its message may quote the request: not repeated)
            case HttpException h when h.getStatusCode() == 400 -> ApiError.badRequest("unreadable request");
            default -> {
                LOG.warn("admin call failed", t);
                yield ApiError.internal("internal error");
            }
        };
        return new Reply.Json(e.status(), e.toJson(), e.headers());
    }

    private Future<Principal> authenticate(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Future.failedFuture(ApiError.unauthenticated("a bearer token is required"));
        }
        return verifier.verify(auth.substring(7).trim())
                .recover(e -> Future.failedFuture(e instanceof RelayException r && r.code() == ErrorCode.TOKEN_EXPIRED
                        ? ApiError.unauthenticated("token expired")
                        : ApiError.unauthenticated("invalid token")))
                .compose(p -> DeviceId.validUser(p.userId()) ? Future.succeededFuture(p)
                        : Future.failedFuture(ApiError.unauthenticated("the token's subject is not a usable user id")));
    }

    /**
     * Records the caller's org from the token's {@code org} claim if none is recorded yet; refuses a
     * token whose claim names another org than the recorded one.
     */
    private Future<Principal> tenant(Principal caller) {
        Optional<String> org = caller.org().filter(Roster::validOrg);
        if (org.isEmpty()) {
            return Future.succeededFuture(caller);
        }
        return roster.claimOrg(caller.userId(), org.get()).compose(claim -> claim == Roster.OrgClaim.CONFLICTS
                ? Future.failedFuture(ApiError.forbidden(
                        "the token's org is not the organisation the relay has recorded for this user"))
                : Future.succeededFuture(caller));
    }

    private void serveContract(RoutingContext ctx) {
        if (contract == null) {
            contract = vertx.executeBlocking(() -> {
                try (InputStream in = AdminApi.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
                    if (in == null) {
                        throw new IOException("missing resource " + OPENAPI_RESOURCE);
                    }
                    return Buffer.buffer(in.readAllBytes());
                }
            }, false);
        }
        contract.onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "application/yaml").end(ar.result());
            } else {
                contract = null;
                ctx.response().setStatusCode(500).end();
            }
        });
    }

    // ---- teams ---------------------------------------------------------------------------------

    private Future<Reply> createTeam(RoutingContext ctx, Principal caller) {
        String org = caller.org().orElseThrow(() -> ApiError.forbidden("creating a team needs an org claim"));
        if (!Roster.validOrg(org)) {
            throw ApiError.forbidden("the token's org claim is not usable");
        }
        JsonObject body = Inputs.body(ctx, Set.of("name", "retentionDays"));
        String name = Inputs.string(body, "name");
        if (!Roster.validName(name)) {
            throw ApiError.badRequest("name must be 1.." + Roster.MAX_NAME_LENGTH
                    + " characters, not only blanks, without control characters");
        }
        Optional<Duration> retention = Inputs.integer(body, "retentionDays", 1, Roster.MAX_RETENTION_DAYS)
                .map(Duration::ofDays);
        Optional<String> coordinator = Optional.empty();
        if (!caller.orgAdmin()) {
            if (!Roster.validId(caller.userId())) {
                throw ApiError.forbidden("the caller's user id cannot be on a roster");
            }
            coordinator = Optional.of(caller.userId());
        }
        return roster.createTeam(caller.userId(), org, name, retention, coordinator)
                .map(team -> new Reply.Json(201, teamJson(team), Map.of("Location", "/v1/teams/" + team.id())));
    }

    private Future<Reply> listTeams(RoutingContext ctx, Principal caller) {
        noQuery(ctx);
        List<Team> teams;
        if (caller.orgAdmin()) {
            teams = roster.teamsOfOrg(caller.org().orElseThrow());
        } else {
            teams = roster.memberships(caller.userId()).stream().map(m -> roster.team(m.teamId()).orElseThrow())
                    .toList();
        }
        JsonArray out = new JsonArray();
        teams.forEach(t -> out.add(teamJson(t)));
        return Future.succeededFuture(new Reply.Json(200, new JsonObject().put("teams", out)));
    }

    private Future<Reply> getTeam(RoutingContext ctx, Principal caller) {
        Team team = readable(ctx, caller);
        return Future.succeededFuture(new Reply.Json(200, teamJson(team)));
    }

    private Future<Reply> archiveTeam(RoutingContext ctx, Principal caller) {
        Team team = changeable(ctx, caller);
        return roster.archive(caller.userId(), team.id()).map(t -> new Reply.Json(200, teamJson(t)));
    }

    private Future<Reply> setRetention(RoutingContext ctx, Principal caller) {
        Team team = changeable(ctx, caller);
        JsonObject body = Inputs.body(ctx, Set.of("retentionDays"));
        if (!body.containsKey("retentionDays")) {
            throw ApiError.badRequest("retentionDays is required (null: the relay's default)");
        }
        Optional<Duration> retention = Inputs.integer(body, "retentionDays", 1, Roster.MAX_RETENTION_DAYS)
                .map(Duration::ofDays);
        return roster.setRetention(caller.userId(), team.id(), retention).map(t -> new Reply.Json(200, teamJson(t)));
    }

    // ---- members -------------------------------------------------------------------------------

    private Future<Reply> listMembers(RoutingContext ctx, Principal caller) {
        Team team = readable(ctx, caller);
        JsonArray out = new JsonArray();
        roster.members(team.id()).forEach(m -> out.add(memberJson(m)));
        return Future.succeededFuture(new Reply.Json(200, new JsonObject().put("members", out)));
    }

    private Future<Reply> putMember(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        Team team = changeable(ctx, caller);
        JsonObject body = Inputs.body(ctx, Set.of("role"));
        String role = Inputs.string(body, "role");
        if (!roster.roles().contains(role)) {
            throw ApiError.badRequest("role must be one of the configured roles " + String.join(", ",
                    roster.roles().stream().sorted().toList()));
        }
        return roster.putMember(caller.userId(), team.id(), userId, role).map(created -> new Reply.Json(
                created ? 201 : 200, memberJson(new TeamMember(team.id(), userId, role))));
    }

    private Future<Reply> removeMember(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        Team team = changeable(ctx, caller);
        return roster.removeMember(caller.userId(), team.id(), userId).map(v -> new Reply.Empty(204));
    }

    // ---- users ---------------------------------------------------------------------------------

    private Future<Reply> userTeams(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        noQuery(ctx);
        boolean self = userId.equals(caller.userId());
        if (!self && !caller.orgAdmin()) {
            throw ApiError.forbidden("only the user or an org admin may list a user's teams");
        }
        JsonArray out = new JsonArray();
        for (TeamMember m : roster.memberships(userId)) {
            Team team = roster.team(m.teamId()).orElseThrow();
            if (self || caller.adminOf(team.orgId())) {
                out.add(new JsonObject().put("team", teamJson(team)).put("role", m.role()));
            }
        }
        return Future.succeededFuture(new Reply.Json(200, new JsonObject().put("userId", userId).put("teams", out)));
    }

    private Future<Reply> eraseUser(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        if (!caller.orgAdmin()) {
            throw ApiError.forbidden("only an org admin may erase a user");
        }
        // the roster refuses any user who is not one of the caller's org with one and the same 404
        return roster.eraseUser(caller.userId(), caller.org().orElseThrow(), userId)
                .map(teams -> new Reply.Empty(204));
    }

    // ---- audit ---------------------------------------------------------------------------------

    private Future<Reply> queryAudit(RoutingContext ctx, Principal caller) {
        AuditQuery query = auditQuery(ctx, caller, DEFAULT_AUDIT_LIMIT);
        return collect(query, visibleTo(caller), new ArrayList<>()).map(entries -> {
            JsonArray out = new JsonArray();
            entries.forEach(e -> out.add(new JsonObject(e.jsonLine())));
            JsonObject body = new JsonObject().put("entries", out);
            if (entries.size() == query.limit()) {
                body.put("nextAfter", entries.get(entries.size() - 1).seq());
            }
            return new Reply.Json(200, body);
        });
    }

    private Future<Reply> exportAudit(RoutingContext ctx, Principal caller) {
        AuditQuery query = auditQuery(ctx, caller, AuditQuery.MAX_LIMIT);
        boolean bounded = ctx.queryParams().contains("limit");
        Predicate<AuditEntry> visible = visibleTo(caller);
        return Future.succeededFuture(new Reply.Stream(NDJSON, res -> export(res, query, visible, bounded ? query.limit()
                : Long.MAX_VALUE)));
    }

    /** Streams the entries page by page ({@link AuditQuery#MAX_LIMIT} at a time), each line as stored. */
    private Future<Void> export(HttpServerResponse res, AuditQuery q, Predicate<AuditEntry> visible, long remaining) {
        AuditQuery page = new AuditQuery(q.team(), q.user(), q.from(), q.to(), q.afterSeq(), AuditQuery.MAX_LIMIT);
        return audit.query(page).compose(entries -> {
            Buffer chunk = Buffer.buffer();
            long left = remaining;
            for (AuditEntry e : entries) {
                if (left > 0 && visible.test(e)) {
                    chunk.appendString(e.jsonLine()).appendByte((byte) '\n');
                    left--;
                }
            }
            Future<Void> written = chunk.length() == 0 ? Future.succeededFuture() : res.write(chunk);
            if (entries.size() < page.limit() || left == 0 || res.closed()) {
                return written;
            }
            long next = left;
            AuditQuery rest = new AuditQuery(q.team(), q.user(), q.from(), q.to(), entries.get(entries.size() - 1).seq(),
                    q.limit());
            // the write completes on the socket's loop; the audit log is read on the owner
            return written.compose(v -> owner.call(() -> export(res, rest, visible, next)));
        });
    }

    private AuditQuery auditQuery(RoutingContext ctx, Principal caller, int defaultLimit) {
        if (!caller.orgAdmin()) {
            throw ApiError.forbidden("only an org admin may query the audit log");
        }
        AuditQuery query = Inputs.auditQuery(ctx, defaultLimit);
        query.team().flatMap(roster::team).ifPresent(t -> {
            if (!caller.adminOf(t.orgId())) {
                throw ApiError.forbidden("the team belongs to another organisation");
            }
        });
        return query;
    }

    /** The entries of the caller's org ({@link AuditScope}); the caller is an org admin. */
    private Predicate<AuditEntry> visibleTo(Principal caller) {
        return new AuditScope(caller.org().orElseThrow(), roster);
    }

    /** Queries page after page until {@code query.limit()} visible entries are found or the log ends. */
    private Future<List<AuditEntry>> collect(AuditQuery query, Predicate<AuditEntry> visible, List<AuditEntry> found) {
        int want = query.limit() - found.size();
        AuditQuery page = new AuditQuery(query.team(), query.user(), query.from(), query.to(), query.afterSeq(),
                Math.min(AuditQuery.MAX_LIMIT, Math.max(want, 100)));
        return audit.query(page).compose(entries -> {
            for (AuditEntry e : entries) {
                if (found.size() == query.limit()) {
                    break;
                }
                if (visible.test(e)) {
                    found.add(e);
                }
            }
            if (found.size() == query.limit() || entries.size() < page.limit()) {
                return Future.succeededFuture(found);
            }
            AuditQuery rest = new AuditQuery(query.team(), query.user(), query.from(), query.to(),
                    entries.get(entries.size() - 1).seq(), query.limit());
            return collect(rest, visible, found);
        });
    }

    // ---- authorisation -------------------------------------------------------------------------

    /** The path's team, if the caller may read it: an org admin of its org, or a user on its roster. */
    Team readable(RoutingContext ctx, Principal caller) {
        Team team = team(ctx);
        if (caller.adminOf(team.orgId()) || roster.role(team.id(), caller.userId()).isPresent()) {
            return team;
        }
        throw ApiError.forbidden("only the team's members and its organisation's admins may read it");
    }

    /** The path's team, if the caller may change it: an org admin of its org, or one of its coordinators. */
    Team changeable(RoutingContext ctx, Principal caller) {
        Team team = team(ctx);
        if (caller.adminOf(team.orgId())
                || roster.role(team.id(), caller.userId()).filter(TeamMember.COORDINATOR::equals).isPresent()) {
            return team;
        }
        throw ApiError.forbidden("only the team's coordinators and its organisation's admins may change it");
    }

    private Team team(RoutingContext ctx) {
        String teamId = Inputs.id(ctx, "teamId");
        return roster.team(teamId).orElseThrow(() -> ApiError.notFound("no such team"));
    }

    private static void noQuery(RoutingContext ctx) {
        if (!ctx.queryParams().isEmpty()) {
            throw ApiError.badRequest("this call takes no query parameters");
        }
    }

    // ---- JSON ----------------------------------------------------------------------------------

    static JsonObject teamJson(Team t) {
        return new JsonObject()
                .put("id", t.id())
                .put("orgId", t.orgId())
                .put("name", t.name())
                .put("archived", t.archived())
                .put("retentionDays", t.retention().map(Duration::toDays).orElse(null))
                .put("createdAt", Instant.ofEpochMilli(t.createdMillis()).toString());
    }

    static JsonObject memberJson(TeamMember m) {
        return new JsonObject().put("teamId", m.teamId()).put("userId", m.userId()).put("role", m.role());
    }
}
