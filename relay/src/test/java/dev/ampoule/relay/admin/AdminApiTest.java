package dev.ampoule.relay.admin;

import static dev.ampoule.relay.admin.AdminFixture.assertError;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.admin.AdminFixture.Expect;
import dev.ampoule.relay.admin.AdminFixture.Response;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.auth.JwkKeys;
import dev.ampoule.relay.support.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over real HTTP, every request and response checked against the OpenAPI contract. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminApiTest {

    private static final String SECRET_NAME = "Oncology follow-up of Jane Roe";

    @TempDir
    Path dir;
    private AdminFixture fx;
    private final RecordingListener listener = new RecordingListener();

    @BeforeEach
    void start(Vertx vertx) {
        fx = new AdminFixture(vertx, dir);
        fx.listener = listener;
        fx.start();
    }

    @AfterEach
    void stop() {
        fx.stop();
    }

    private String createTeam(String token, String name) {
        Response r = fx.call(POST, "/v1/teams", token, new JsonObject().put("name", name));
        assertEquals(201, r.status(), r.body()::toString);
        return r.json().getString("id");
    }

    private void put(String token, String team, String user, String role, int expected) {
        Response r = fx.call(PUT, "/v1/teams/" + team + "/members/" + user, token, new JsonObject().put("role", role));
        assertEquals(expected, r.status(), r.body()::toString);
    }

    private List<String> members(String token, String team) {
        Response r = fx.call(GET, "/v1/teams/" + team + "/members", token, null);
        assertEquals(200, r.status(), r.body()::toString);
        return r.json().getJsonArray("members").stream().map(JsonObject.class::cast)
                .map(m -> m.getString("userId") + ":" + m.getString("role")).toList();
    }

    private List<AuditEvent> audited(AuditType type) {
        return fx.audit.events(e -> e.type() == type);
    }

    @Test
    void coordinatorRunsTheTeam(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        Response created = fx.call(POST, "/v1/teams", alice, new JsonObject().put("name", SECRET_NAME)
                .put("retentionDays", 90));
        assertEquals(201, created.status());
        JsonObject team = created.json();
        String id = team.getString("id");
        assertTrue(id.matches("t-[A-Za-z0-9_-]{22}"), id);
        assertEquals("/v1/teams/" + id, created.headers().get("Location"));
        assertEquals("h1", team.getString("orgId"));
        assertEquals(SECRET_NAME, team.getString("name"));
        assertEquals(90, team.getInteger("retentionDays"));
        assertFalse(team.getBoolean("archived"));
        assertEquals(List.of("alice:coordinator"), members(alice, id));
        assertEquals(List.of("added " + id + " alice coordinator new"), listener.calls);

        assertEquals(team, fx.call(GET, "/v1/teams/" + id, alice, null).json());
        assertEquals(new JsonArray().add(team), fx.call(GET, "/v1/teams", alice, null).json().getJsonArray("teams"));

        put(alice, id, "bob", "pharmacist", 201);
        put(alice, id, "bob", "pharmacist", 200);
        put(alice, id, "bob", "practitioner", 200);
        put(alice, id, "carol", "patient", 201);
        assertEquals(List.of("alice:coordinator", "bob:practitioner", "carol:patient"), members(alice, id));
        assertEquals(204, fx.call(DELETE, "/v1/teams/" + id + "/members/carol", alice, null).status());
        assertError(fx.call(DELETE, "/v1/teams/" + id + "/members/carol", alice, null), 404, "NOT_FOUND");
        assertEquals(List.of("alice:coordinator", "bob:practitioner"), members(alice, id));

        Response retention = fx.call(PUT, "/v1/teams/" + id + "/retention", alice,
                new JsonObject().put("retentionDays", 30));
        assertEquals(30, retention.json().getInteger("retentionDays"));
        retention = fx.call(PUT, "/v1/teams/" + id + "/retention", alice, new JsonObject().putNull("retentionDays"));
        assertEquals(200, retention.status());
        assertNull(retention.json().getValue("retentionDays"));
        assertTrue(fx.<Boolean>onRoster(r -> r.team(id).orElseThrow().retention().isEmpty()));

        Response archived = fx.call(POST, "/v1/teams/" + id + "/archive", alice, null);
        assertEquals(200, archived.status());
        assertTrue(archived.json().getBoolean("archived"));
        assertError(fx.call(POST, "/v1/teams/" + id + "/archive", alice, null), 409, "CONFLICT");
        assertError(fx.call(PUT, "/v1/teams/" + id + "/members/dan", alice, new JsonObject().put("role", "patient")),
                409, "CONFLICT");
        assertError(fx.call(DELETE, "/v1/teams/" + id + "/members/bob", alice, null), 409, "CONFLICT");

        assertEquals(List.of(
                "added " + id + " alice coordinator new",
                "added " + id + " bob pharmacist new",
                "added " + id + " bob practitioner changed",
                "added " + id + " carol patient new",
                "removed " + id + " carol",
                "archived " + id), listener.calls);

        // the users' organisations: alice's from her token, bob's and carol's from the team
        assertEquals(List.of("alice - token", "bob " + id + " team", "carol " + id + " team"),
                audited(AuditType.USER_ORG_RECORDED).stream().map(e -> e.user().orElseThrow() + " "
                        + e.team().orElse("-") + " " + e.details().get("from")).toList());
        audited(AuditType.USER_ORG_RECORDED).forEach(e -> assertEquals("h1", e.details().get("org")));
        // the roster changes, in order, with ids and roles only
        List<String> changes = fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL
                && e.type() != AuditType.USER_ORG_RECORDED).stream()
                .map(e -> e.type() + " " + e.user().orElse("-") + " " + e.details().getOrDefault("role", "-")).toList();
        assertEquals(List.of("TEAM_CREATED - -", "MEMBER_ADDED alice coordinator", "MEMBER_ADDED bob pharmacist",
                "MEMBER_ADDED bob practitioner", "MEMBER_ADDED carol patient", "MEMBER_REMOVED carol patient",
                "TEAM_RETENTION_SET - -", "TEAM_RETENTION_SET - -", "TEAM_ARCHIVED - -"), changes);
        assertEquals(Map.of("org", "h1", "retentionDays", "90"), audited(AuditType.TEAM_CREATED).get(0).details());
        assertEquals("pharmacist", audited(AuditType.MEMBER_ADDED).get(2).details().get("previousRole"));
        fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL && !"token".equals(e.details().get("from")))
                .forEach(e -> {
                    assertEquals(Optional.of("alice"), e.actor());
                    assertEquals(Optional.of(id), e.team());
                });

        // every call audited: method, route template, status; never the name or a token
        AuditEvent call = audited(AuditType.ADMIN_CALL).get(0);
        assertEquals(Map.of("method", "POST", "route", "/v1/teams", "status", "201"), call.details());
        assertEquals(Optional.of("alice"), call.actor());
        AuditEvent put = fx.audit.events(e -> e.type() == AuditType.ADMIN_CALL
                && "PUT".equals(e.details().get("method"))).get(0);
        assertEquals("/v1/teams/{teamId}/members/{userId}", put.details().get("route"));
        assertEquals(Optional.of(id), put.team());
        assertEquals(Optional.of("bob"), put.user());
        assertEquals("409", fx.audit.events(e -> e.type() == AuditType.ADMIN_CALL).getLast().details().get("status"));
        fx.audit.entries().forEach(e -> {
            assertFalse(e.jsonLine().contains("Jane"), e.jsonLine());
            assertFalse(e.jsonLine().contains("eyJ"), e.jsonLine());
        });
        ctx.completeNow();
    }

    @Test
    void orgAdminsChangeTheirOrgsTeamsOnly(VertxTestContext ctx) {
        String admin = fx.admin("root", "h1");
        String otherAdmin = fx.admin("root2", "h2");
        String byAdmin = createTeam(admin, "Ward 3");
        assertEquals(List.of(), members(admin, byAdmin));
        String byAlice = createTeam(fx.token("alice", "h1"), "Home care");
        String elsewhere = createTeam(fx.token("zed", "h2"), "Other hospital");

        List<String> listed = fx.call(GET, "/v1/teams", admin, null).json().getJsonArray("teams").stream()
                .map(JsonObject.class::cast).map(t -> t.getString("id")).toList();
        assertEquals(List.of(byAdmin, byAlice), listed);
        put(admin, byAdmin, "alice", "coordinator", 201);
        put(admin, byAlice, "bob", "insurer", 201);
        assertEquals(List.of("alice:coordinator", "bob:insurer"), members(admin, byAlice));

        assertError(fx.call(GET, "/v1/teams/" + byAdmin, otherAdmin, null), 403, "FORBIDDEN");
        assertError(fx.call(GET, "/v1/teams/" + byAdmin + "/members", otherAdmin, null), 403, "FORBIDDEN");
        assertError(fx.call(PUT, "/v1/teams/" + byAdmin + "/members/mallory", otherAdmin,
                new JsonObject().put("role", "coordinator")), 403, "FORBIDDEN");
        assertError(fx.call(POST, "/v1/teams/" + byAdmin + "/archive", otherAdmin, null), 403, "FORBIDDEN");
        assertEquals(List.of(elsewhere), fx.call(GET, "/v1/teams", otherAdmin, null).json().getJsonArray("teams")
                .stream().map(JsonObject.class::cast).map(t -> t.getString("id")).toList());
        assertError(fx.call(GET, "/v1/teams/t-nosuchteam", admin, null), 404, "NOT_FOUND");
        assertEquals(List.of("alice:coordinator"), members(admin, byAdmin));
        ctx.completeNow();
    }

    @Test
    void withoutAValidTokenEverythingIs401(VertxTestContext ctx) {
        String id = createTeam(fx.token("alice", "h1"), "Team");
        int before = fx.<Integer>onRoster(r -> r.members(id).size());
        DevKeys stranger = DevKeys.of(JwkKeys.generateEs256());
        String foreign = stranger.mint(fx.vertx, "alice", Optional.of("h1"), List.of("org_admin"), AdminFixture.ISSUER,
                AdminFixture.AUDIENCE, Duration.ofMinutes(5));
        String wrongAudience = fx.keys.mint(fx.vertx, "alice", Optional.of("h1"), List.of("org_admin"),
                AdminFixture.ISSUER, "another-service", Duration.ofMinutes(5));
        String hugeSubject = fx.token("u".repeat(300), "h1", "org_admin");
        for (String token : new String[] {null, "", "not-a-jwt", foreign, wrongAudience, hugeSubject}) {
            Response r = fx.call(PUT, "/v1/teams/" + id + "/members/mallory", token,
                    new JsonObject().put("role", "coordinator"));
            assertError(r, 401, "UNAUTHENTICATED");
            assertEquals("Bearer", r.headers().get("WWW-Authenticate"));
            assertError(fx.call(GET, "/v1/teams", token, null), 401, "UNAUTHENTICATED");
            assertError(fx.call(GET, "/v1/audit", token, null), 401, "UNAUTHENTICATED");
            assertError(fx.call(DELETE, "/v1/users/alice", token, null), 401, "UNAUTHENTICATED");
        }
        assertEquals(before, (int) fx.<Integer>onRoster(r -> r.members(id).size()));
        AuditEvent refused = fx.audit.events(e -> e.type() == AuditType.ADMIN_CALL).getLast();
        assertEquals("401", refused.details().get("status"));
        assertEquals(Optional.empty(), refused.actor());
        assertEquals(Optional.empty(), refused.user());
        ctx.completeNow();
    }

    @Test
    void onlyCoordinatorsAndAdminsChangeATeam(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String id = createTeam(alice, "Team A");
        put(alice, id, "bob", "practitioner", 201);
        String carolsTeam = createTeam(fx.token("carol", "h1"), "Team C");
        int auditedChanges = fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL).size();

        String bob = fx.token("bob", "h1");
        String carol = fx.token("carol", "h1");
        String dan = fx.token("dan", "h1");
        // dan's first call records his organisation; the refused calls below change nothing
        assertEquals(200, fx.call(GET, "/v1/teams", dan, null).status());
        auditedChanges = fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL).size();
        for (String who : List.of(bob, carol, dan)) {
            assertError(fx.call(PUT, "/v1/teams/" + id + "/members/mallory", who,
                    new JsonObject().put("role", "coordinator")), 403, "FORBIDDEN");
            assertError(fx.call(PUT, "/v1/teams/" + id + "/members/bob", who,
                    new JsonObject().put("role", "coordinator")), 403, "FORBIDDEN");
            assertError(fx.call(DELETE, "/v1/teams/" + id + "/members/alice", who, null), 403, "FORBIDDEN");
            assertError(fx.call(POST, "/v1/teams/" + id + "/archive", who, null), 403, "FORBIDDEN");
            assertError(fx.call(PUT, "/v1/teams/" + id + "/retention", who, new JsonObject().put("retentionDays", 1)),
                    403, "FORBIDDEN");
            assertError(fx.call(GET, "/v1/audit", who, null), 403, "FORBIDDEN");
            assertError(fx.call(GET, "/v1/audit/export", who, null), 403, "FORBIDDEN");
            assertError(fx.call(DELETE, "/v1/users/alice", who, null), 403, "FORBIDDEN");
            assertError(fx.call(GET, "/v1/users/alice/teams", who, null), 403, "FORBIDDEN");
        }
        // a member may read the team; someone off its roster may not
        assertEquals(200, fx.call(GET, "/v1/teams/" + id, bob, null).status());
        assertError(fx.call(GET, "/v1/teams/" + id, carol, null), 403, "FORBIDDEN");
        assertError(fx.call(GET, "/v1/teams/" + id + "/members", dan, null), 403, "FORBIDDEN");
        // a coordinator of another team cannot touch this one, nor can an admin claim without an org
        assertError(fx.call(PUT, "/v1/teams/" + carolsTeam + "/members/bob", alice,
                new JsonObject().put("role", "patient")), 403, "FORBIDDEN");
        String orgless = fx.token("eve", null, "org_admin");
        assertError(fx.call(POST, "/v1/teams", orgless, new JsonObject().put("name", "x")), 403, "FORBIDDEN");
        assertError(fx.call(PUT, "/v1/teams/" + id + "/members/eve", orgless,
                new JsonObject().put("role", "coordinator")), 403, "FORBIDDEN");
        assertError(fx.call(GET, "/v1/audit", orgless, null), 403, "FORBIDDEN");

        assertEquals(List.of("alice:coordinator", "bob:practitioner"), members(alice, id));
        assertEquals(auditedChanges, fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL).size());
        assertFalse(fx.<Boolean>onRoster(r -> r.team(id).orElseThrow().archived()));
        ctx.completeNow();
    }

    /**
     * A query string or path that is not valid percent-encoding is the caller's error: 400 in the
     * API's JSON form, never 500 or no answer, whatever the route, and nothing changes. (Sent over a
     * plain socket: an HTTP client would not send such a request target.)
     */
    @Test
    void malformedEncodingIs400(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String admin = fx.admin("root", "h1");
        String id = createTeam(alice, "Team");
        Map<String, String> json = Map.of("Content-Type", "application/json");
        try (RawHttp http = new RawHttp(fx.port(), 30_000)) {
            for (String uri : List.of("/v1/audit?team=%zz", "/v1/audit?%", "/v1/audit?limit=%E0%A4%A",
                    "/v1/audit/export?user=%", "/v1/teams?x=%2", "/v1/users/alice/teams?%", "/v1/users/alice/teams?%%", "/v1/teams/" + id + "?a=%g0",
                    "/v1/teams/" + id + "/members?%zz=1", "/v1/teams/%zz", "/v1/users/%E0%A4%A/teams",
                    "POST /v1/teams?name=%zz", "POST /v1/teams/" + id + "/archive?%",
                    "PUT /v1/teams/" + id + "/members/bob?%", "DELETE /v1/users/bob?%zz")) {
                String method = uri.startsWith("/") ? "GET" : uri.substring(0, uri.indexOf(' '));
                String target = uri.substring(uri.indexOf('/'));
                Map<String, String> headers = new java.util.HashMap<>(method.equals("GET") ? Map.of() : json);
                headers.put("Authorization", "Bearer " + (target.startsWith("/v1/audit") || method.equals("DELETE")
                        ? admin : alice));
                RawHttp.Answer a = http.send(method, target, headers,
                        method.equals("GET") ? new byte[0] : "{\"name\":\"x\",\"role\":\"patient\"}".getBytes());
                assertEquals(400, a.status(), uri);
                assertEquals("application/json", a.header("Content-Type"), uri);
                assertEquals("BAD_REQUEST", new JsonObject(new String(a.body())).getString("code"), uri);
            }
        }
        assertEquals(List.of("alice:coordinator"), members(alice, id));
        assertEquals(1, (int) fx.<Integer>onRoster(r -> r.teamsOfOrg("h1").size()));
        assertFalse(fx.<Boolean>onRoster(r -> r.team(id).orElseThrow().archived()));
        ctx.completeNow();
    }

    @Test
    void badInputIs400AndChangesNothing(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String admin = fx.admin("root", "h1");
        String id = createTeam(alice, "Team");
        // the admin's first call records their organisation (from the token, whatever the call)
        assertEquals(200, fx.call(GET, "/v1/teams", admin, null).status());
        int changes = fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL).size();
        List<String> calls = List.copyOf(listener.calls);

        // creating a team
        for (Object body : List.<Object>of(new JsonObject(), new JsonObject().put("name", ""),
                new JsonObject().put("name", "x".repeat(201)), new JsonObject().put("name", "   "),
                new JsonObject().put("name", "bell\u0007"), new JsonObject().put("name", 42),
                new JsonObject().put("name", "ok").put("retentionDays", 0),
                new JsonObject().put("name", "ok").put("retentionDays", 3651),
                new JsonObject().put("name", "ok").put("retentionDays", 1.5),
                new JsonObject().put("name", "ok").put("retentionDays", "30"),
                new JsonObject().put("name", "ok").put("colour", "red"),
                "[\"name\"]", "{\"name\": ", "\"just a string\"")) {
            assertError(fx.call(POST, "/v1/teams", alice, body, Expect.NONCONFORMING), 400, "BAD_REQUEST");
        }
        // members
        assertError(fx.call(PUT, "/v1/teams/" + id + "/members/bob", alice, new JsonObject().put("role", "surgeon"),
                Expect.EITHER), 400, "BAD_REQUEST");
        for (Object body : List.<Object>of(new JsonObject(), new JsonObject().put("role", 7),
                new JsonObject().put("role", "patient").put("since", "today"), "null")) {
            assertError(fx.call(PUT, "/v1/teams/" + id + "/members/bob", alice, body, Expect.NONCONFORMING), 400,
                    "BAD_REQUEST");
        }
        for (String user : List.of("bad!id", "x".repeat(65), "a%20b", "%C3%A9")) {
            assertError(fx.call(PUT, "/v1/teams/" + id + "/members/" + user, alice,
                    new JsonObject().put("role", "patient"), Expect.NONCONFORMING), 400, "BAD_REQUEST");
            assertError(fx.call(DELETE, "/v1/users/" + user, admin, null, Expect.NONCONFORMING), 400, "BAD_REQUEST");
        }
        assertError(fx.call(GET, "/v1/teams/bad!team", alice, null, Expect.NONCONFORMING), 400, "BAD_REQUEST");
        // retention
        for (Object body : List.<Object>of(new JsonObject(), new JsonObject().put("retentionDays", -1),
                new JsonObject().put("retentionDays", 99999999999L), new JsonObject().put("retentionDays", true))) {
            assertError(fx.call(PUT, "/v1/teams/" + id + "/retention", alice, body, Expect.NONCONFORMING), 400,
                    "BAD_REQUEST");
        }
        // audit queries
        for (String q : List.of("limit=0", "limit=10001", "limit=abc", "after=-1", "from=yesterday",
                "team=bad!team", "from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z")) {
            assertError(fx.call(GET, "/v1/audit?" + q, admin, null,
                    q.startsWith("from=2030") ? Expect.EITHER : Expect.NONCONFORMING), 400, "BAD_REQUEST");
        }
        assertError(fx.call(GET, "/v1/audit?colour=red", admin, null, Expect.EITHER), 400, "BAD_REQUEST");
        assertError(fx.call(GET, "/v1/audit?limit=1&limit=2", admin, null, Expect.EITHER), 400, "BAD_REQUEST");

        assertEquals(List.of("alice:coordinator"), members(alice, id));
        assertEquals(1, (int) fx.<Integer>onRoster(r -> r.teamsOfOrg("h1").size()));
        assertTrue(fx.<Boolean>onRoster(r -> r.team(id).orElseThrow().retention().isEmpty()));
        assertEquals(changes, fx.audit.events(e -> e.type() != AuditType.ADMIN_CALL).size());
        assertEquals(calls, listener.calls);
        ctx.completeNow();
    }

    @Test
    void aUsersTeams(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String t1 = createTeam(alice, "One");
        String t2 = createTeam(fx.token("carol", "h1"), "Two");
        String t3 = createTeam(fx.token("zed", "h2"), "Three");
        put(fx.token("carol", "h1"), t2, "alice", "practitioner", 201);
        // alice is h1's: a team of h2 cannot take her
        assertError(fx.call(PUT, "/v1/teams/" + t3 + "/members/alice", fx.token("zed", "h2"),
                new JsonObject().put("role", "insurer")), 409, "CONFLICT");

        JsonObject mine = fx.call(GET, "/v1/users/alice/teams", alice, null).json();
        assertEquals("alice", mine.getString("userId"));
        assertEquals(List.of(t1 + ":coordinator", t2 + ":practitioner"), teamsOf(mine));
        JsonObject byAdmin = fx.call(GET, "/v1/users/alice/teams", fx.admin("root", "h1"), null).json();
        assertEquals(List.of(t1 + ":coordinator", t2 + ":practitioner"), teamsOf(byAdmin));
        assertEquals(List.of(), teamsOf(fx.call(GET, "/v1/users/alice/teams", fx.admin("root2", "h2"), null).json()));
        assertEquals(List.of(), teamsOf(fx.call(GET, "/v1/users/nobody/teams", fx.admin("root", "h1"), null).json()));
        ctx.completeNow();
    }

    private static List<String> teamsOf(JsonObject userTeams) {
        return userTeams.getJsonArray("teams").stream().map(JsonObject.class::cast)
                .map(t -> t.getJsonObject("team").getString("id") + ":" + t.getString("role")).toList();
    }

    @Test
    void eraseTakesTheUserOffEveryTeam(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String admin = fx.admin("root", "h1");
        String t1 = createTeam(alice, "One");
        String t2 = createTeam(alice, "Two");
        String t3 = createTeam(alice, "Three");
        put(alice, t1, "erased-user-7", "patient", 201);
        put(alice, t2, "erased-user-7", "patient", 201);
        put(alice, t3, "bob", "patient", 201);
        assertEquals(200, fx.call(POST, "/v1/teams/" + t2 + "/archive", alice, null).status());
        String elsewhere = createTeam(fx.token("zed", "h2"), "Elsewhere");
        put(fx.token("zed", "h2"), elsewhere, "h2-user", "patient", 201);
        put(alice, t1, "h2-user", "patient", 409);
        listener.calls.clear();

        // another organisation's user, or a user of none: the same 404, and nothing changes
        Response foreign = fx.call(DELETE, "/v1/users/erased-user-7", fx.admin("root2", "h2"), null);
        assertError(foreign, 404, "NOT_FOUND");
        Response other = fx.call(DELETE, "/v1/users/h2-user", admin, null);
        Response nobody = fx.call(DELETE, "/v1/users/nobody", admin, null);
        assertError(nobody, 404, "NOT_FOUND");
        assertEquals(nobody.json(), other.json());
        assertEquals(nobody.json(), foreign.json());
        assertEquals(2, (int) fx.<Integer>onRoster(r -> r.memberships("erased-user-7").size()));
        assertEquals(List.of(), listener.calls);
        assertEquals(List.of(), audited(AuditType.USER_ERASED));

        assertEquals(204, fx.call(DELETE, "/v1/users/erased-user-7", admin, null).status());
        assertEquals(List.of(), fx.onRoster(r -> r.memberships("erased-user-7")));
        assertEquals(List.of("alice:coordinator"), members(alice, t1));
        assertEquals(List.of("alice:coordinator"), members(alice, t2));
        assertEquals(List.of("alice:coordinator", "bob:patient"), members(alice, t3));
        assertEquals(List.of("removed " + t1 + " erased-user-7", "removed " + t2 + " erased-user-7",
                "erased erased-user-7"), listener.calls);

        List<AuditEvent> removed = fx.audit.events(e -> e.type() == AuditType.MEMBER_REMOVED);
        assertEquals(List.of(t1, t2), removed.stream().map(e -> e.team().orElseThrow()).toList());
        removed.forEach(e -> assertEquals("erasure", e.details().get("reason")));
        AuditEvent erased = audited(AuditType.USER_ERASED).get(0);
        assertEquals(Optional.of("erased-user-7"), erased.user());
        assertEquals(Optional.of("root"), erased.actor());
        assertEquals(Optional.empty(), erased.team());
        // the roster's history no longer names the user
        byte[] log = readRosterLog();
        assertFalse(new String(log, java.nio.charset.StandardCharsets.ISO_8859_1).contains("erased-user-7"));

        // survives a restart; the erased id stays h1's
        fx.restart();
        assertEquals(List.of(), fx.onRoster(r -> r.memberships("erased-user-7")));
        assertEquals(List.of("alice:coordinator"), members(alice, t1));
        assertEquals(Optional.of("h1"), fx.onRoster(r -> r.orgOf("erased-user-7")));
        assertError(fx.call(DELETE, "/v1/users/erased-user-7", fx.admin("root2", "h2"), null), 404, "NOT_FOUND");
        assertEquals(204, fx.call(DELETE, "/v1/users/erased-user-7", admin, null).status());
        assertTrue(fx.<Boolean>onRoster(r -> r.team(t2).orElseThrow().archived()));
        ctx.completeNow();
    }

    private byte[] readRosterLog() {
        try {
            return java.nio.file.Files.readAllBytes(dir.resolve("roster").resolve("roster.log"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void auditQueriesAndExport(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String admin = fx.admin("root", "h1");
        String t1 = createTeam(alice, "One");
        put(alice, t1, "bob", "patient", 201);
        put(alice, t1, "carol", "patient", 201);
        String t2 = createTeam(alice, "Two");
        String foreign = createTeam(fx.token("zed", "h2"), "Foreign");

        JsonObject page = fx.call(GET, "/v1/audit?team=" + t1, admin, null).json();
        List<JsonObject> entries = page.getJsonArray("entries").stream().map(JsonObject.class::cast).toList();
        assertTrue(entries.size() >= 6, page::encode);
        entries.forEach(e -> assertEquals(t1, e.getString("team")));
        assertEquals(List.of("team_created", "member_added", "user_org_recorded"), entries.stream()
                .map(e -> e.getString("type"))
                .filter(t -> !t.equals("admin_call")).distinct().toList());
        assertFalse(page.containsKey("nextAfter"));

        // paging
        JsonObject first = fx.call(GET, "/v1/audit?team=" + t1 + "&limit=2", admin, null).json();
        assertEquals(2, first.getJsonArray("entries").size());
        long next = first.getLong("nextAfter");
        JsonObject second = fx.call(GET, "/v1/audit?team=" + t1 + "&limit=2&after=" + next, admin, null).json();
        assertEquals(entries.get(2), second.getJsonArray("entries").getJsonObject(0));

        // by user, and a time range
        List<String> aboutBob = fx.call(GET, "/v1/audit?user=bob", admin, null).json().getJsonArray("entries")
                .stream().map(JsonObject.class::cast).map(e -> e.getString("type")).toList();
        assertEquals(List.of("user_org_recorded", "member_added", "admin_call"), aboutBob);
        assertEquals(0, fx.call(GET, "/v1/audit?to=2000-01-01T00:00:00Z", admin, null).json()
                .getJsonArray("entries").size());

        // another organisation's team: refused by name, left out otherwise
        assertError(fx.call(GET, "/v1/audit?team=" + foreign, admin, null), 403, "FORBIDDEN");
        String all = fx.call(GET, "/v1/audit?limit=10000", admin, null).json().encode();
        assertFalse(all.contains(foreign));
        assertTrue(all.contains(t2));
        assertTrue(fx.call(GET, "/v1/audit?team=" + foreign, fx.admin("root2", "h2"), null).json()
                .getJsonArray("entries").size() >= 2);

        // export: the stored lines, unchanged, one per line
        Response export = fx.call(GET, "/v1/audit/export?team=" + t1, admin, null);
        assertEquals(200, export.status());
        assertEquals("application/x-ndjson", export.headers().get("Content-Type"));
        List<String> lines = export.body().toString().lines().toList();
        List<String> stored = fx.audit.entries().stream().filter(e -> e.event().team().equals(Optional.of(t1)))
                .map(e -> e.jsonLine()).toList();
        assertEquals(stored.subList(0, lines.size()), lines);
        assertTrue(export.body().toString().endsWith("\n"));
        lines.forEach(l -> fx.contract.checkSchema("AuditEntry", new JsonObject(l)));
        Response limited = fx.call(GET, "/v1/audit/export?limit=3", admin, null);
        assertEquals(3, limited.body().toString().lines().count());
        ctx.completeNow();
    }

    @Test
    void aFailedListenerIs500ButTheChangeStands(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String id = createTeam(alice, "Team");
        put(alice, id, "bob", "pharmacist", 201);
        listener.failPrefix = "removed";
        Response r = fx.call(DELETE, "/v1/teams/" + id + "/members/bob", alice, null);
        assertError(r, 500, "INTERNAL");
        assertEquals(List.of("alice:coordinator"), members(alice, id));
        assertEquals(1, audited(AuditType.MEMBER_REMOVED).size());
        assertEquals("500", fx.audit.events(e -> e.type() == AuditType.ADMIN_CALL
                && "DELETE".equals(e.details().get("method"))).get(0).details().get("status"));
        ctx.completeNow();
    }

    @Test
    void rosterSurvivesARestart(VertxTestContext ctx) {
        String alice = fx.token("alice", "h1");
        String id = createTeam(alice, SECRET_NAME);
        put(alice, id, "bob", "pharmacist", 201);
        put(alice, id, "carol", "patient", 201);
        assertEquals(204, fx.call(DELETE, "/v1/teams/" + id + "/members/carol", alice, null).status());
        fx.call(PUT, "/v1/teams/" + id + "/retention", alice, new JsonObject().put("retentionDays", 7));
        JsonObject before = fx.call(GET, "/v1/teams/" + id, alice, null).json();

        fx.restart();
        assertEquals(before, fx.call(GET, "/v1/teams/" + id, alice, null).json());
        assertEquals(List.of("alice:coordinator", "bob:pharmacist"), members(alice, id));
        assertEquals(Optional.of(Duration.ofDays(7)), fx.onRoster(r -> r.team(id).orElseThrow().retention()));
        ctx.completeNow();
    }
}
