package dev.ampoule.relay.admin;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditEntry;
import dev.ampoule.relay.audit.AuditQuery;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's quotas — teams per organisation, teams a user creates, members per team — answer
 * {@code 409 QUOTA_EXCEEDED} and change nothing; writes beyond a user's rate answer {@code 429} with
 * {@code Retry-After}. Both are counted in {@code /metrics}, audited, and described by the contract.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminQuotasTest {

    @TempDir
    Path dir;

    private RelayHarness relay;
    private HttpClient http;
    private DevKeys keys;
    private ContractCheck contract;
    private Vertx vertx;

    private void start(Vertx v, JsonObject config) {
        vertx = v;
        relay = new RelayHarness(v, dir, config).start();
        http = v.createHttpClient();
        keys = DevKeys.loadOrCreate(dir);
        contract = ContractCheck.load(v);
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (relay != null) {
            relay.stop();
        }
    }

    private String token(String user, String org, String... roles) {
        return keys.mint(vertx, user, Optional.of(org), List.of(roles), "ampoule-dev", "ampoule-relay",
                Duration.ofHours(1));
    }

    /** A call to the relay, its answer checked against the contract. */
    private HttpCalls.Answer call(HttpMethod method, String uri, String token, JsonObject body) {
        HttpCalls.Answer a = HttpCalls.call(http, HttpCalls.to(relay.port(), method, uri, token),
                body == null ? null : body.toBuffer());
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        contract.checkResponse(method, path, a.status(), a.headers(), a.body());
        return a;
    }

    private HttpCalls.Answer createTeam(String token) {
        return call(HttpMethod.POST, "/v1/teams", token, new JsonObject().put("name", "Ward B follow-up"));
    }

    private HttpCalls.Answer putMember(String token, String team, String user, String role) {
        return call(HttpMethod.PUT, "/v1/teams/" + team + "/members/" + user, token, new JsonObject().put("role", role));
    }

    private static void assertRefused(HttpCalls.Answer a, int status, String code) {
        assertEquals(status, a.status(), () -> "unexpected answer " + a.status() + " " + a.text());
        assertEquals(code, a.json().getString("code"));
    }

    private double metric(String limit) {
        String text = HttpCalls.call(http, HttpCalls.to(relay.port(), HttpMethod.GET, "/metrics")).text();
        Matcher m = Pattern.compile("(?m)^ampoule_limits_exceeded_total\\{limit=\"" + limit + "\"[^}]*} (\\S+)$")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private List<AuditEntry> adminCalls(int status) {
        return await(relay.verticle().auditLog().query(new AuditQuery(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, AuditQuery.MAX_LIMIT))).stream()
                .filter(e -> e.event().type() == AuditType.ADMIN_CALL)
                .filter(e -> e.event().details().get("status").equals(Integer.toString(status))).toList();
    }

    @Test
    void quotasAnswer409AndChangeNothing(Vertx v, VertxTestContext ctx) {
        start(v, new JsonObject().put("maxTeamsPerOrg", 3).put("maxTeamsCreatedPerUser", 2).put("maxMembersPerTeam", 3));
        String alice = token("alice", "o1");
        String team = createTeam(alice).json().getString("id");
        assertEquals(201, createTeam(alice).status());
        HttpCalls.Answer third = createTeam(alice);
        assertRefused(third, 409, "QUOTA_EXCEEDED");
        assertEquals(2, call(HttpMethod.GET, "/v1/teams", alice, null).json().getJsonArray("teams").size(),
                "the refused team does not exist");
        assertEquals(1, metric("teams_created_per_user"));

        // the organisation's cap holds for everyone in it, its admins included; other organisations go on
        assertEquals(201, createTeam(token("bob", "o1")).status());
        assertRefused(createTeam(token("bob", "o1")), 409, "QUOTA_EXCEEDED");
        String admin = token("root", "o1", "org_admin");
        assertRefused(createTeam(admin), 409, "QUOTA_EXCEEDED");
        assertEquals(3, call(HttpMethod.GET, "/v1/teams", admin, null).json().getJsonArray("teams").size());
        assertEquals(2, metric("teams_per_org"));
        assertEquals(201, createTeam(token("carol", "o2")).status());

        // members: alice (coordinator) and two more; a fourth is refused, a role change is no new member
        assertEquals(201, putMember(alice, team, "p1", "patient").status());
        assertEquals(201, putMember(alice, team, "p2", "pharmacist").status());
        assertRefused(putMember(alice, team, "p3", "insurer"), 409, "QUOTA_EXCEEDED");
        assertEquals(3, call(HttpMethod.GET, "/v1/teams/" + team + "/members", alice, null).json()
                .getJsonArray("members").size());
        assertEquals(200, putMember(alice, team, "p1", "practitioner").status());
        assertEquals(204, call(HttpMethod.DELETE, "/v1/teams/" + team + "/members/p2", alice, null).status());
        assertEquals(201, putMember(alice, team, "p3", "insurer").status());
        assertEquals(1, metric("members_per_team"));

        List<AuditEntry> refused = adminCalls(409);
        assertEquals(4, refused.size());
        assertTrue(refused.stream().allMatch(e -> e.event().details().get("code").equals("QUOTA_EXCEEDED")));

        // the count of teams a user created survives a restart
        relay.restart();
        assertRefused(createTeam(alice), 409, "QUOTA_EXCEEDED");
        ctx.completeNow();
    }

    @Test
    void writesBeyondAUsersRateAnswer429WithRetryAfter(Vertx v, VertxTestContext ctx) {
        start(v, new JsonObject().put("adminWritesPerMinute", 3));
        String alice = token("alice", "o1");
        String team = createTeam(alice).json().getString("id");
        assertEquals(201, putMember(alice, team, "p1", "patient").status());
        assertEquals(201, putMember(alice, team, "p2", "patient").status());
        HttpCalls.Answer limited = putMember(alice, team, "p3", "patient");
        assertRefused(limited, 429, "RATE_LIMITED");
        long retry = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 60, "Retry-After: " + retry);
        assertEquals(3, call(HttpMethod.GET, "/v1/teams/" + team + "/members", alice, null).json()
                .getJsonArray("members").size(), "alice, p1 and p2: nothing changed");
        // reads are not writes; other users have their own rate
        assertEquals(200, call(HttpMethod.GET, "/v1/teams", alice, null).status());
        assertEquals(201, createTeam(token("dave", "o1")).status());
        assertEquals(1, metric("admin_writes_per_user"));
        assertEquals(1, adminCalls(429).size());
        ctx.completeNow();
    }

    @Test
    void defaultsAreGenerousForRealUse(Vertx v, VertxTestContext ctx) {
        start(v, new JsonObject());
        String alice = token("alice", "o1");
        for (int i = 0; i < 20; i++) {
            assertEquals(201, createTeam(alice).status(), "team " + i);
        }
        ctx.completeNow();
    }
}
