package dev.ampoule.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A care coordinator at the relay's admin REST API (PROTOCOL.md, the {@code /v1/teams} calls): the
 * load's care teams are created and their rosters changed through it, as an app for coordinators
 * would. A write the relay limits ({@code 429}, {@code adminWritesPerMinute}) or cannot audit now
 * ({@code 503}) is retried after its {@code Retry-After}; any other answer than the documented
 * success fails the call with a {@link Churn.Failed} naming the HTTP status.
 */
final class RosterAdmin implements AutoCloseable {

    private static final int ATTEMPTS = 5;
    private static final int MAX_CONNECTIONS = 256;

    private final Vertx vertx;
    private final HttpClient http;
    private final String host;
    private final int port;

    /**
     * The admin API of the relay whose WebSocket URL is {@code target} (same host and port), for
     * {@code coordinators} coordinators calling at once: each has a connection of their own, as
     * each would from their own app (at most {@value #MAX_CONNECTIONS}; Vert.x's default pool of 5
     * would queue one coordinator's call behind others').
     */
    RosterAdmin(Vertx vertx, URI target, int coordinators) {
        this.vertx = vertx;
        boolean tls = "wss".equalsIgnoreCase(target.getScheme());
        // https with the JVM's trust store and host name check, as the devices' wss connections
        this.http = vertx.createHttpClient(new HttpClientOptions().setSsl(tls).setConnectTimeout(30_000),
                new PoolOptions().setHttp1MaxSize(Math.min(MAX_CONNECTIONS, Math.max(1, coordinators))));
        this.host = target.getHost();
        this.port = Connection.port(target);
    }

    /** Creates a team; its id. The caller (an org member) becomes its first coordinator. */
    Future<String> createTeam(String coordinatorToken, String name) {
        return call(HttpMethod.POST, "/v1/teams", coordinatorToken, new JsonObject().put("name", name), 201, ATTEMPTS)
                .map(body -> new JsonObject(body).getString("id"));
    }

    /** Puts {@code user} on the team's roster with {@code role}. */
    Future<Void> putMember(String coordinatorToken, String teamId, String user, String role) {
        return call(HttpMethod.PUT, memberPath(teamId, user), coordinatorToken, new JsonObject().put("role", role), 201,
                ATTEMPTS).mapEmpty();
    }

    /** Takes {@code user} off the team's roster. */
    Future<Void> removeMember(String coordinatorToken, String teamId, String user) {
        return call(HttpMethod.DELETE, memberPath(teamId, user), coordinatorToken, null, 204, ATTEMPTS).mapEmpty();
    }

    private static String memberPath(String teamId, String user) {
        return "/v1/teams/" + URLEncoder.encode(teamId, StandardCharsets.UTF_8) + "/members/"
                + URLEncoder.encode(user, StandardCharsets.UTF_8);
    }

    private Future<Buffer> call(HttpMethod method, String uri, String token, JsonObject body, int success,
            int attemptsLeft) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri)
                .putHeader("Authorization", "Bearer " + token);
        if (body != null) {
            o.putHeader("Content-Type", "application/json");
        }
        return http.request(o)
                .compose(req -> body == null ? req.send() : req.send(body.toBuffer()))
                .recover(e -> Future.failedFuture(new Churn.Failed("ADMIN_UNREACHABLE",
                        "the admin API did not answer " + method + " " + uri + ": " + e.getMessage())))
                .compose(resp -> resp.body().compose(b -> {
                    if (resp.statusCode() == success || (success == 201 && resp.statusCode() == 200)) {
                        return Future.succeededFuture(b);
                    }
                    if ((resp.statusCode() == 429 || resp.statusCode() == 503) && attemptsLeft > 1) {
                        long wait = retryAfterMillis(resp.getHeader("Retry-After"));
                        Promise<Buffer> later = Promise.promise();
                        vertx.setTimer(wait, id -> call(method, uri, token, body, success, attemptsLeft - 1)
                                .onComplete(later));
                        return later.future();
                    }
                    return Future.failedFuture(new Churn.Failed("HTTP_" + resp.statusCode(),
                            method + " " + uri + " answered " + resp.statusCode()));
                }));
    }

    private static long retryAfterMillis(String header) {
        try {
            return Math.max(100, Math.min(60_000, Long.parseLong(header == null ? "1" : header.trim()) * 1000));
        } catch (NumberFormatException e) {
            return 1000;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
