package dev.ampoule.relay.admin;

import static dev.ampoule.relay.admin.AdminFixture.assertError;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.admin.AdminFixture.Expect;
import dev.ampoule.relay.admin.AdminFixture.Response;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.RelayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history calls of the admin API over real HTTP, checked against the OpenAPI contract: a
 * coordinator chooses a member's history (none, since a date, all retained) within the team's
 * retention; the member reads it, others may not; revoking — through the API or by taking the
 * member off the roster — ends the authorisation and its grants; every change is audited; bad
 * input changes nothing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HistoryAdminApiTest {

    @TempDir
    Path dir;
    private AdminFixture fx;
    private String team;
    private String coordinator;

    @BeforeEach
    void start(Vertx vertx) {
        fx = new AdminFixture(vertx, dir).start();
        coordinator = fx.token("alice", "h1");
        Response created = fx.call(io.vertx.core.http.HttpMethod.POST, "/v1/teams", coordinator,
                new JsonObject().put("name", "cardiology follow-up").put("retentionDays", 90));
        team = created.json().getString("id");
        for (String[] m : new String[][] {{"cardio", "practitioner"}, {"pat", "patient"}}) {
            assertEquals(201, fx.call(PUT, "/v1/teams/" + team + "/members/" + m[0], coordinator,
                    new JsonObject().put("role", m[1])).status());
        }
    }

    @AfterEach
    void stop() {
        fx.stop();
    }

    private String path(String user) {
        return "/v1/teams/" + team + "/members/" + user + "/history";
    }

    static String daysAgo(int n) {
        return LocalDate.now(ZoneOffset.UTC).minusDays(n).toString();
    }

    private List<AuditEvent> audited(AuditType type) {
        return fx.audit.events(e -> e.type() == type);
    }

    @Test
    void aCoordinatorChoosesAMembersHistoryWithinTheTeamsRetention() {
        Response none = fx.call(GET, path("cardio"), coordinator, null);
        assertEquals(new JsonObject().put("teamId", team).put("userId", "cardio").put("access", "none")
                .put("grants", new io.vertx.core.json.JsonArray()), none.json());

        Response since = fx.call(PUT, path("cardio"), coordinator, new JsonObject().put("access", "since")
                .put("since", daysAgo(30)));
        assertEquals(200, since.status(), since.body()::toString);
        assertEquals("since", since.json().getString("access"));
        assertEquals(daysAgo(30), since.json().getString("since"));
        assertEquals(daysAgo(30), since.json().getString("from"));
        assertEquals(since.json(), fx.call(GET, path("cardio"), fx.token("cardio", "h1"), null).json(),
                "the member reads their own");

        // before the team's 90 days: refused, nothing changes
        assertError(fx.call(PUT, path("cardio"), coordinator, new JsonObject().put("access", "since")
                .put("since", daysAgo(120))), 400, HistoryAdminApi.OUTSIDE_RETENTION);
        Response all = fx.call(PUT, path("cardio"), coordinator, new JsonObject().put("access", "all"));
        assertEquals("all", all.json().getString("access"));
        assertEquals(daysAgo(90), all.json().getString("from"), "all means what the team retains");

        List<AuditEvent> authorised = audited(AuditType.HISTORY_AUTHORISED);
        assertEquals(2, authorised.size());
        assertEquals("since", authorised.get(0).details().get("access"));
        assertEquals(daysAgo(30), authorised.get(0).details().get("since"));
        assertEquals(java.util.Optional.of("alice"), authorised.get(0).actor());
        assertEquals(java.util.Optional.of("cardio"), authorised.get(0).user());

        assertEquals(200, fx.call(PUT, path("cardio"), coordinator, new JsonObject().put("access", "none")).status());
        assertEquals("none", fx.call(GET, path("cardio"), coordinator, null).json().getString("access"));
        assertEquals(1, audited(AuditType.HISTORY_REVOKED).size());
    }

    @Test
    void onlyCoordinatorsAndAdminsChangeItAndBadInputChangesNothing() {
        String patient = fx.token("pat", "h1");
        JsonObject since = new JsonObject().put("access", "since").put("since", daysAgo(10));
        assertError(fx.call(PUT, path("cardio"), patient, since), 403, "FORBIDDEN");
        assertError(fx.call(GET, path("cardio"), patient, null), 403, "FORBIDDEN");
        assertError(fx.call(DELETE, path("cardio"), patient, null), 403, "FORBIDDEN");
        assertError(fx.call(PUT, path("cardio"), fx.token("mallory", "h2"), since), 403, "FORBIDDEN");
        assertError(fx.call(PUT, path("nobody"), coordinator, since), 404, "NOT_FOUND");
        assertError(fx.call(PUT, path("cardio"), null, since), 401, "UNAUTHENTICATED");
        for (JsonObject bad : List.of(new JsonObject().put("access", "some"),
                new JsonObject().put("access", "since"),
                new JsonObject().put("access", "since").put("since", "2025-13-01"),
                new JsonObject().put("access", "since").put("since", "yesterday"),
                new JsonObject().put("access", "all").put("since", daysAgo(1)),
                new JsonObject().put("access", "since").put("since", daysAgo(-2)),
                new JsonObject().put("access", "all").put("extra", 1))) {
            assertError(fx.call(PUT, path("cardio"), coordinator, bad, Expect.EITHER), 400, "BAD_REQUEST");
        }
        assertEquals("none", fx.call(GET, path("cardio"), coordinator, null).json().getString("access"));
        assertTrue(audited(AuditType.HISTORY_AUTHORISED).isEmpty());
        // an org admin may
        assertEquals(200, fx.call(PUT, path("cardio"), fx.admin("root", "h1"), since).status());
    }

    @Test
    void revokingEndsTheGrantsAndSoDoesLeavingTheRoster() {
        JsonObject since = new JsonObject().put("access", "since").put("since", daysAgo(30));
        fx.call(PUT, path("cardio"), coordinator, since);
        long today = LocalDate.now(ZoneOffset.UTC).toEpochDay();
        RelayHarness.await(fx.<io.vertx.core.Future<Void>>onRights(r -> r.granted(team, "cardio", today - 30, today,
                new DeviceId("alice", "desk"), 42)));
        Response granted = fx.call(GET, path("cardio"), coordinator, null);
        JsonObject grant = granted.json().getJsonArray("grants").getJsonObject(0);
        assertEquals(daysAgo(30), grant.getString("from"));
        assertEquals(daysAgo(0), grant.getString("to"));
        assertEquals("alice", grant.getString("grantedBy"));
        assertEquals("desk", grant.getString("device"));
        assertEquals(42, grant.getLong("seq"));
        assertTrue(fx.<Boolean>onRights(r -> r.granted(team, "cardio", today - 3, today - 90)));

        assertEquals(204, fx.call(DELETE, path("cardio"), coordinator, null).status());
        assertFalse(fx.<Boolean>onRights(r -> r.granted(team, "cardio", today - 3, today - 90)));
        assertTrue(fx.call(GET, path("cardio"), coordinator, null).json().getJsonArray("grants").isEmpty());

        // authorised again, then the member leaves the roster: the rights go with them
        fx.call(PUT, path("cardio"), coordinator, since);
        assertEquals(204, fx.call(DELETE, "/v1/teams/" + team + "/members/cardio", coordinator, null).status());
        assertTrue(fx.<Boolean>onRights(r -> r.authorisation(team, "cardio").isEmpty()));
        List<AuditEvent> revoked = audited(AuditType.HISTORY_REVOKED);
        assertEquals(List.of("admin", "roster"), revoked.stream().map(e -> e.details().get("reason")).toList());

        // the rights survive a restart
        fx.call(PUT, "/v1/teams/" + team + "/members/cardio", coordinator, new JsonObject().put("role", "practitioner"));
        fx.call(PUT, path("cardio"), coordinator, since);
        fx.restart();
        assertEquals(daysAgo(30), fx.call(GET, path("cardio"), coordinator, null).json().getString("since"));
    }
}
