package dev.ampoule.relay.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Organisation tenancy through the real relay: an organisation's admins see and change only their
 * organisation's teams, users and audit entries — users with no current team included, users known
 * only from their logins included, across pages and across a restart.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TenancyTest {

    /** Users of organisation o1 in this test; none of them may appear in o2's audit view. */
    private static final Set<String> O1_USERS = Set.of("coord-1", "nurse-a", "clerk-b", "web-c", "admin-1");
    private static final Set<String> O2_USERS = Set.of("coord-2", "admin-2");
    private static final int MAX_PAGES = 2_000;

    @TempDir
    Path dir;
    private Vertx vertx;
    private RelayHarness relay;
    private HttpClient http;
    private DevKeys keys;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        relay = new RelayHarness(vertx, dir).start();
        http = vertx.createHttpClient();
        keys = DevKeys.loadOrCreate(dir);
    }

    @AfterEach
    void stop() {
        http.close();
        relay.stop();
    }

    private String token(String user, String org, String... roles) {
        return keys.mint(vertx, user, Optional.ofNullable(org), List.of(roles), "ampoule-dev", "ampoule-relay",
                Duration.ofHours(1));
    }

    private HttpCalls.Answer call(HttpMethod method, String uri, String token, JsonObject body) {
        return HttpCalls.call(http, HttpCalls.to(relay.port(), method, uri, token),
                body == null ? null : body.toBuffer());
    }

    private String createTeam(String token, String name) {
        HttpCalls.Answer a = call(HttpMethod.POST, "/v1/teams", token, new JsonObject().put("name", name));
        assertEquals(201, a.status(), a::text);
        return a.json().getString("id");
    }

    private int putMember(String token, String team, String user, String role) {
        return call(HttpMethod.PUT, "/v1/teams/" + team + "/members/" + user, token, new JsonObject().put("role", role))
                .status();
    }

    /** Logs {@code user} in over the WebSocket with a token of {@code org}, then leaves. */
    private void logIn(String user, String org, String device) {
        try (TestDevice d = RelayHarness.await(TestDevice.connect(vertx, relay.port(), token(user, org), device))) {
            assertFalse(d.isClosed());
        }
    }

    /** Every entry {@code token}'s holder may see, walked page by page ({@code limit} each), in order. */
    private List<JsonObject> auditPages(String token, int limit) {
        List<JsonObject> all = new ArrayList<>();
        long after = 0;
        for (int page = 0; page < MAX_PAGES; page++) {
            HttpCalls.Answer a = call(HttpMethod.GET, "/v1/audit?limit=" + limit + "&after=" + after, token, null);
            assertEquals(200, a.status(), a::text);
            List<JsonObject> entries = a.json().getJsonArray("entries").stream().map(JsonObject.class::cast).toList();
            assertTrue(entries.size() <= limit);
            all.addAll(entries);
            if (!a.json().containsKey("nextAfter")) {
                assertTrue(entries.size() < limit, "a full page names the next one");
                return all;
            }
            assertEquals(limit, entries.size(), "only a full page names a next one");
            long next = a.json().getLong("nextAfter");
            assertEquals(entries.get(entries.size() - 1).getLong("seq"), next);
            after = next;
        }
        throw new AssertionError("the audit pages did not end within " + MAX_PAGES + " pages");
    }

    private List<JsonObject> auditAll(String token) {
        HttpCalls.Answer a = call(HttpMethod.GET, "/v1/audit?limit=10000", token, null);
        assertEquals(200, a.status(), a::text);
        assertFalse(a.json().containsKey("nextAfter"));
        return a.json().getJsonArray("entries").stream().map(JsonObject.class::cast).toList();
    }

    private List<JsonObject> export(String token) {
        HttpCalls.Answer a = call(HttpMethod.GET, "/v1/audit/export", token, null);
        assertEquals(200, a.status(), a::text);
        return a.text().lines().map(JsonObject::new).toList();
    }

    private static List<JsonObject> upTo(List<JsonObject> entries, long seq) {
        return entries.stream().filter(e -> e.getLong("seq") <= seq).toList();
    }

    private static boolean names(JsonObject entry, Set<String> users) {
        return isOneOf(entry.getString("actor"), users) || isOneOf(entry.getString("user"), users);
    }

    private static boolean isOneOf(String id, Set<String> users) {
        return id != null && users.contains(id);
    }

    /**
     * What {@code admin} sees: the same entries whether read at once, page by page or exported (up to
     * the last entry of the first read: reading appends its own admin_call entries), each one of its
     * organisation; returns the entries read at once.
     */
    private List<JsonObject> view(String admin, Predicate<JsonObject> foreign) {
        List<JsonObject> all = auditAll(admin);
        assertFalse(all.isEmpty());
        long last = all.get(all.size() - 1).getLong("seq");
        List<JsonObject> paged = auditPages(admin, 2);
        for (int i = 1; i < paged.size(); i++) {
            assertTrue(paged.get(i - 1).getLong("seq") < paged.get(i).getLong("seq"), "pages in order, no repeat");
        }
        assertEquals(all, upTo(paged, last), "the pages hold exactly the entries of one read");
        assertEquals(all, upTo(auditPages(admin, 7), last));
        List<JsonObject> exported = export(admin);
        assertEquals(all, upTo(exported, last), "the export holds exactly the entries of one read");
        for (List<JsonObject> seen : List.of(all, paged, exported)) {
            seen.forEach(e -> assertFalse(foreign.test(e), () -> "another organisation's entry: " + e.encode()));
        }
        return all;
    }

    private static boolean has(List<JsonObject> entries, String type, String user) {
        return entries.stream().anyMatch(e -> type.equals(e.getString("type")) && user.equals(e.getString("user")));
    }

    @Test
    void anotherOrganisationsAdminNeitherErasesNorReadsItsUsers() {
        String coord1 = token("coord-1", "o1");
        String admin1 = token("admin-1", "o1", "org_admin");
        String coord2 = token("coord-2", "o2");
        String admin2 = token("admin-2", "o2", "org_admin");

        // o1: nurse-a was on a team, logged in, published KeyPackages, and is on no team now
        String t1 = createTeam(coord1, "Ward 1");
        assertEquals(201, putMember(coord1, t1, "nurse-a", "practitioner"));
        MlsMember nursePhone = new MlsMember("nurse-a", "phone");
        try (TestDevice phone = RelayHarness.await(TestDevice.connect(vertx, relay.port(), token("nurse-a", "o1"),
                "phone"))) {
            phone.ok(new Frame.PublishKeyPackages(nursePhone.keyPackages(3, false), false));
        }
        assertEquals(204, call(HttpMethod.DELETE, "/v1/teams/" + t1 + "/members/nurse-a", coord1, null).status());
        // clerk-b of o1 was never on a roster: the relay knows her from her login only
        logIn("clerk-b", "o1", "desk");
        // o2 has a team of its own
        String t2 = createTeam(coord2, "Ward 2");

        // the attack: o2's admin erases o1's users; the refusal says no more than for nobody at all
        HttpCalls.Answer nurse = call(HttpMethod.DELETE, "/v1/users/nurse-a", admin2, null);
        assertEquals(404, nurse.status(), nurse::text);
        assertEquals("NOT_FOUND", nurse.json().getString("code"));
        HttpCalls.Answer clerk = call(HttpMethod.DELETE, "/v1/users/clerk-b", admin2, null);
        HttpCalls.Answer nobody = call(HttpMethod.DELETE, "/v1/users/nobody-at-all", admin2, null);
        assertEquals(404, clerk.status(), clerk::text);
        assertEquals(404, nobody.status(), nobody::text);
        assertEquals(nobody.json(), nurse.json());
        assertEquals(nobody.json(), clerk.json());

        // nurse-a is intact: still o1's (o2 cannot roster her), her KeyPackages still handed out
        assertEquals(409, putMember(coord2, t2, "nurse-a", "practitioner"));
        assertEquals(409, putMember(coord2, t2, "clerk-b", "practitioner"));
        try (TestDevice desk = relay.connect("coord-1", "desk")) {
            Frame.KeyPackages kp = assertInstanceOf(Frame.KeyPackages.class,
                    desk.call(new Frame.ClaimKeyPackages("nurse-a", Optional.empty(), 1)));
            assertEquals(1, kp.entries().size());
        }

        // o2's admin reads nothing about o1: not its team, not its users, not their logins
        // (an entry of o2's own team is o2's, even one naming an id o2's coordinator typed)
        Predicate<JsonObject> o1s = e -> t1.equals(e.getString("team"))
                || !t2.equals(e.getString("team")) && names(e, O1_USERS);
        List<JsonObject> seenBy2 = view(admin2, o1s);
        assertTrue(seenBy2.stream().anyMatch(e -> t2.equals(e.getString("team"))), "o2 sees its own team");
        // o1's admin reads all of it: the logins, the team, and o2's attempts on its users
        Predicate<JsonObject> o2s = e -> t2.equals(e.getString("team")) || !t1.equals(e.getString("team"))
                && names(e, O2_USERS) && !isOneOf(e.getString("user"), O1_USERS);
        List<JsonObject> seenBy1 = view(admin1, o2s);
        assertTrue(has(seenBy1, "login", "nurse-a"));
        assertTrue(has(seenBy1, "login", "clerk-b"));
        assertTrue(seenBy1.stream().anyMatch(e -> t1.equals(e.getString("team"))
                && "member_removed".equals(e.getString("type"))));
        assertTrue(seenBy1.stream().anyMatch(e -> "admin-2".equals(e.getString("actor"))
                && "nurse-a".equals(e.getString("user"))
                && "404".equals(e.getJsonObject("details").getString("status"))),
                "o1 sees o2's attempt on its user");
        // o2's admin asking about an o1 user by name gets only its own team's entries (its refused attempt)
        HttpCalls.Answer byName = call(HttpMethod.GET, "/v1/audit?user=nurse-a", admin2, null);
        assertEquals(200, byName.status(), byName::text);
        byName.json().getJsonArray("entries").stream().map(JsonObject.class::cast)
                .forEach(e -> assertEquals(t2, e.getString("team"), e::encode));

        // o1's admin may erase its own user
        assertEquals(204, call(HttpMethod.DELETE, "/v1/users/nurse-a", admin1, null).status());
        try (TestDevice desk = relay.connect("coord-1", "desk")) {
            desk.error(new Frame.ClaimKeyPackages("nurse-a", Optional.empty(), 1), ErrorCode.NO_KEY_PACKAGE);
        }
    }

    @Test
    void aUsersOrganisationSurvivesARestartAndAConflictingToken() {
        String admin1 = token("admin-1", "o1", "org_admin");
        String coord2 = token("coord-2", "o2");
        String admin2 = token("admin-2", "o2", "org_admin");
        logIn("clerk-b", "o1", "desk");
        // web-c of o1 logs in from a browser, with a ticket
        HttpCalls.Answer ticket = call(HttpMethod.POST, "/v1/tickets", token("web-c", "o1"), null);
        assertEquals(200, ticket.status(), ticket::text);
        try (TestDevice browser = RelayHarness.await(TestDevice.open(vertx, relay.port(), "/v1/ws?ticket="
                + ticket.json().getString("ticket") + "&device=browser"))) {
            browser.error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 1), ErrorCode.NO_KEY_PACKAGE);
        }
        String t2 = createTeam(coord2, "Ward 2");

        relay.restart();
        assertEquals(404, call(HttpMethod.DELETE, "/v1/users/web-c", admin2, null).status());
        // clerk-b, known only from her login, is still o1's
        assertEquals(404, call(HttpMethod.DELETE, "/v1/users/clerk-b", admin2, null).status());
        assertEquals(409, putMember(coord2, t2, "clerk-b", "patient"));
        // a token of o2 for her changes nothing: she logs in, and stays o1's
        logIn("clerk-b", "o2", "tablet");
        assertEquals(404, call(HttpMethod.DELETE, "/v1/users/clerk-b", admin2, null).status());
        // nor may she act in o2's name over the admin API
        HttpCalls.Answer asO2 = call(HttpMethod.POST, "/v1/teams", token("clerk-b", "o2"),
                new JsonObject().put("name", "Squat"));
        assertEquals(403, asO2.status(), asO2::text);

        relay.restart();
        Predicate<JsonObject> o1s = e -> !t2.equals(e.getString("team")) && names(e, O1_USERS);
        view(admin2, o1s);
        Predicate<JsonObject> o2s = e -> t2.equals(e.getString("team"))
                || names(e, O2_USERS) && !isOneOf(e.getString("user"), O1_USERS);
        List<JsonObject> seenBy1 = view(admin1, o2s);
        assertEquals(2, seenBy1.stream().filter(e -> "login".equals(e.getString("type"))
                && "clerk-b".equals(e.getString("user"))).count(), "both of clerk-b's logins are o1's");
        assertTrue(has(seenBy1, "user_org_conflict", "clerk-b"), "the conflicting token is on o1's record");
        assertTrue(has(seenBy1, "login", "web-c"));
        assertEquals(204, call(HttpMethod.DELETE, "/v1/users/clerk-b", admin1, null).status());
        assertEquals(204, call(HttpMethod.DELETE, "/v1/users/web-c", admin1, null).status());
    }
}
