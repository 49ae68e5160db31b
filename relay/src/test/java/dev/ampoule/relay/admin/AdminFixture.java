package dev.ampoule.relay.admin;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.auth.JwkKeys;
import dev.ampoule.relay.auth.JwtTokenVerifier;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.history.HistoryRights;
import dev.ampoule.relay.history.RecordShares;
import dev.ampoule.relay.history.TeamDays;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.roster.FileRosterStore;
import dev.ampoule.relay.roster.Roster;
import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.support.HttpCalls;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The admin API on its own HTTP server (127.0.0.1, a free port) over a file roster in a temp dir,
 * an in-memory audit log and a listener chosen by the test. Before the API's routes, every request
 * is validated against the OpenAPI contract (server side, with the library's own extraction);
 * {@link #call} then validates the response and asserts the request's verdict.
 */
public final class AdminFixture {

    public static final String ISSUER = "ampoule-dev";
    public static final String AUDIENCE = "ampoule-relay";

    /** Whether a request is expected to conform to the contract. */
    public enum Expect {
        CONFORMING,
        /** Bad input the contract already describes as bad. */
        NONCONFORMING,
        /** Bad input the contract cannot describe (e.g. a role outside the configured set). */
        EITHER
    }

    /** A response: status, headers, body. */
    public record Response(int status, MultiMap headers, Buffer body) {
        public JsonObject json() {
            return body.toJsonObject();
        }

        public String code() {
            return json().getString("code");
        }
    }

    public final Vertx vertx;
    public final Path dataDir;
    public final MemoryAuditLog audit = new MemoryAuditLog();
    public final ContractCheck contract;
    public final DevKeys keys = DevKeys.of(JwkKeys.generateEs256());
    public RosterListener listener = RosterListener.NONE;
    /** The clock of history days and retention (a test may set another before {@link #start}). */
    public Clock clock = Clock.systemUTC();
    public List<String> roles = RelayConfig.DEFAULT_ROLES;
    /** The blobs the record calls find (a test puts shared records' metadata here). */
    public final java.util.Map<dev.ampoule.relay.protocol.Bytes, dev.ampoule.relay.blob.BlobMeta> blobs =
            new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Whether every request is first validated against the contract (by a handler before the API);
     * without, the API is mounted exactly as the relay mounts it.
     */
    public boolean contractChecks = true;
    private final HttpClient client;
    private final AtomicLong checks = new AtomicLong();
    private Server server;
    private String deployment;

    public AdminFixture(Vertx vertx, Path dataDir) {
        this.vertx = vertx;
        this.dataDir = dataDir;
        this.contract = ContractCheck.load(vertx);
        this.client = vertx.createHttpClient();
    }

    /** The verticle: store, roster, API and server, all on its context. */
    final class Server extends VerticleBase {
        Roster roster;
        AdminApi api;
        HistoryRights rights;
        RecordShares shares;
        Router v1;
        HttpServer http;

        @Override
        public Future<?> start() {
            FileRosterStore store = new FileRosterStore(vertx, dataDir.resolve("roster"), true);
            rights = HistoryRights.in(vertx, dataDir, true, audit, clock);
            shares = RecordShares.in(vertx, dataDir, true, audit, clock);
            return rights.open().compose(v -> shares.open()).compose(v -> Roster.open(store, new java.util.LinkedHashSet<>(roles), audit,
                    Clock.systemUTC())).compose(r -> {
                roster = r;
                roster.listener(RosterListener.both(listener, rights));
                JwtTokenVerifier verifier = new JwtTokenVerifier(vertx, keys.keySource(), ISSUER, AUDIENCE,
                        Duration.ZERO, Clock.systemUTC());
                api = new AdminApi(vertx, roster, verifier, audit);
                Router root = Router.router(vertx);
                if (contractChecks) {
                    root.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(AdminApi.MAX_BODY_BYTES));
                    root.route("/v1/*").handler(contract::checkRequest);
                }
                TeamDays days = new TeamDays(clock, group -> BlobService.teamOf(group).flatMap(roster::team)
                        .flatMap(t -> t.retention()).orElse(Duration.ofDays(30)));
                api.mount(root, routes -> {
                    v1 = routes;
                    new HistoryAdminApi(api, roster, rights, days).addTo(routes);
                    new RecordAdminApi(api, roster, shares, id -> java.util.Optional.ofNullable(blobs.get(id)),
                            shares::catchUp)
                            .addTo(routes);
                });
                http = vertx.createHttpServer();
                return http.requestHandler(root).listen(0, "127.0.0.1");
            });
        }

        @Override
        public Future<?> stop() {
            return http.close().compose(v -> roster.close()).eventually(() -> rights.close())
                    .eventually(() -> shares.close());
        }

        Context ctx() {
            return context;
        }
    }

    public AdminFixture start() {
        server = new Server();
        deployment = await(vertx.deployVerticle(server));
        return this;
    }

    public void stop() {
        if (deployment != null) {
            await(vertx.undeploy(deployment));
            deployment = null;
        }
    }

    public AdminFixture restart() {
        stop();
        return start();
    }

    public int port() {
        return server.http.actualPort();
    }

    public AdminApi api() {
        return server.api;
    }

    /** Every admin route the relay serves under {@code /v1}: the API's and the history calls. */
    public Router router() {
        return server.v1;
    }

    /** The history rights behind the API (read on their context with {@link #onRights}). */
    public <T> T onRights(java.util.function.Function<HistoryRights, T> read) {
        return onServer(() -> read.apply(server.rights));
    }

    /** Runs {@code read} on the roster's context and returns its result. */
    public <T> T onRoster(java.util.function.Function<Roster, T> read) {
        return onServer(() -> read.apply(server.roster));
    }

    private <T> T onServer(java.util.function.Supplier<T> read) {
        Promise<T> p = Promise.promise();
        server.ctx().runOnContext(v -> {
            try {
                p.complete(read.get());
            } catch (RuntimeException e) {
                p.fail(e);
            }
        });
        return await(p.future());
    }

    public String token(String user, String org, String... roles) {
        return keys.mint(vertx, user, Optional.ofNullable(org), List.of(roles), ISSUER, AUDIENCE, Duration.ofHours(1));
    }

    /** A token of an admin of {@code org}. */
    public String admin(String user, String org) {
        return token(user, org, "org_admin");
    }

    public Response call(HttpMethod method, String uri, String token, Object body) {
        return call(method, uri, token, body, Expect.CONFORMING);
    }

    /**
     * Sends a request ({@code body}: a JsonObject, a String sent as JSON text, or null), asserts the
     * contract's verdict on it, and validates the response against the contract.
     */
    public Response call(HttpMethod method, String uri, String token, Object body, Expect expect) {
        String id = Long.toString(checks.incrementAndGet());
        RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port())
                .setURI(uri).putHeader(ContractCheck.CHECK_HEADER, id);
        if (token != null) {
            options.putHeader("Authorization", "Bearer " + token);
        }
        Buffer payload = switch (body) {
            case null -> null;
            case JsonObject o -> o.toBuffer();
            case String s -> Buffer.buffer(s);
            default -> throw new IllegalArgumentException("body");
        };
        if (payload != null) {
            options.putHeader("Content-Type", "application/json");
        }
        HttpCalls.Answer answer = HttpCalls.call(client, options, payload);
        Response r = new Response(answer.status(), answer.headers(), answer.body());
        if (!contractChecks) {
            return r;
        }
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        Optional<Throwable> verdict = contract.verdict(id);
        switch (expect) {
            case CONFORMING -> assertTrue(verdict.isEmpty(), () -> "request " + method + " " + uri
                    + " does not conform to the contract: " + verdict.get());
            case NONCONFORMING -> assertTrue(verdict.isPresent(), () -> "the contract accepts the bad request "
                    + method + " " + uri + " " + body);
            case EITHER -> { }
        }
        contract.checkResponse(method, path, r.status(), r.headers(), r.body());
        return r;
    }

    /** Asserts an error answer: status and code. */
    public static void assertError(Response r, int status, String code) {
        assertEquals(status, r.status(), () -> "unexpected answer " + r.status() + " " + r.body());
        assertEquals(code, r.code());
    }
}
