package dev.ampoule.relay.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.relay.roster.Roster;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.support.RawHttp;
import dev.ampoule.relay.support.ScratchDirs;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code admin-api}: any request to the admin API over a real HTTP connection — method,
 * caller, content type, request target (path and query, any percent-encoding) and body — to the
 * API's router mounted as the relay mounts it, over a file roster. Every request is answered within
 * 10 s and never with a 5xx; an error answered in JSON names its code; a refused request (4xx)
 * changes no team, member or organisation.
 *
 * <p>Input: {@code method caller content_type} (three bytes, each picking from a list), then the
 * request target after {@code /v1} up to a newline ({@code {T}} stands for an existing team's id;
 * bytes outside printable ASCII are percent-encoded so that the request line stays one), then the
 * body. Seeds: a request of every route, and the bad input the API tests send.
 */
class AdminApiFuzzTest {

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json; charset=utf-8",
            "text/plain", "", "Application/JSON ;x=1");
    private static final int CALLERS = 7;
    /** Successful changes before the roster starts afresh (it would grow without bound). */
    private static final int CHANGES_PER_ROSTER = 200;

    private static final Vertx VERTX = Vertx.vertx();
    private static final Path BASE = ScratchDirs.create("ampoule-admin-fuzz-");
    private static int rosters;
    private static AdminFixture fx;
    private static RawHttp http;
    private static List<String> tokens;
    private static String team;
    private static int changes;

    static {
        fresh();
    }

    @AfterAll
    static void close() {
        http.close();
        fx.stop();
        VERTX.close();
        ScratchDirs.delete(BASE);
    }

    static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        // method, caller (0 coordinator alice, 1 org admin root, 2 patient bob, 3 admin of another org,
        // 4 a user without org, 5 a forged token, 6 none), content type, target, body
        out.add(seed(1, 0, 0, "/teams", "{\"name\":\"Cardiology follow-up\",\"retentionDays\":90}"));
        out.add(seed(0, 0, 0, "/teams", ""));
        out.add(seed(0, 2, 0, "/teams/{T}", ""));
        out.add(seed(1, 0, 0, "/teams/{T}/archive", ""));
        out.add(seed(2, 0, 0, "/teams/{T}/retention", "{\"retentionDays\":30}"));
        out.add(seed(2, 1, 1, "/teams/{T}/retention", "{\"retentionDays\":null}"));
        out.add(seed(0, 0, 0, "/teams/{T}/members", ""));
        out.add(seed(2, 0, 0, "/teams/{T}/members/carol", "{\"role\":\"pharmacist\"}"));
        out.add(seed(3, 0, 0, "/teams/{T}/members/bob", ""));
        out.add(seed(0, 2, 0, "/users/bob/teams", ""));
        out.add(seed(0, 1, 0, "/users/bob/teams", ""));
        out.add(seed(3, 1, 0, "/users/bob", ""));
        out.add(seed(0, 1, 0, "/audit?team={T}&limit=5&from=2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z", ""));
        out.add(seed(0, 1, 0, "/audit/export?user=alice&after=2", ""));
        out.add(seed(0, 0, 0, "/openapi.yaml", ""));
        out.add(seed(1, 0, 0, "/teams", "{\"name\": \"x\", \"colour\": \"red\"}"));
        out.add(seed(1, 0, 0, "/teams", "[\"name\"]"));
        out.add(seed(1, 0, 2, "/teams", "{\"name\":\"x\"}"));
        out.add(seed(2, 0, 0, "/teams/{T}/members/bad!id", "{\"role\":\"patient\"}"));
        out.add(seed(2, 0, 0, "/teams/{T}/retention", "{\"retentionDays\":99999999999}"));
        out.add(seed(0, 1, 0, "/audit?limit=1&limit=2", ""));
        out.add(seed(0, 1, 0, "/audit?team=%zz", ""));
        out.add(seed(0, 0, 0, "/users/%E0%A4%A/teams?%%", ""));
        out.add(seed(0, 5, 0, "/teams", ""));
        out.add(seed(1, 3, 0, "/teams/{T}/archive", ""));
        out.add(seed(4, 6, 3, "/teams/{T}", ""));
        return out;
    }

    @MethodSource("seeds")
    @FuzzTest
    void request(byte[] input) {
        // this test's own connections to the API are no server-side request forgery: only they are allowed
        try (SilentCloseable harness = BugDetectors.allowNetworkConnections((host, port) ->
                (host.equals("127.0.0.1") || host.equals("localhost")) && port == fx.port())) {
            answer(input);
        }
    }

    /** The seeds are worth mutating: their requests reach the API (no 404 of an unknown route). */
    @Test
    void theSeedsReachTheApi() {
        for (byte[] seed : seeds()) {
            RawHttp.Answer a = answer(seed);
            assertTrue(a.status() != 404 || a.header("content-type").startsWith("application/json"),
                    () -> new String(seed, StandardCharsets.ISO_8859_1));
        }
    }

    private static RawHttp.Answer answer(byte[] input) {
        if (input.length < 3) {
            return null;
        }
        String method = METHODS.get((input[0] & 0xFF) % METHODS.size());
        String token = tokens.get((input[1] & 0xFF) % CALLERS);
        String contentType = CONTENT_TYPES.get((input[2] & 0xFF) % CONTENT_TYPES.size());
        int newline = indexOf(input, (byte) '\n', 3);
        byte[] rawTarget = Arrays.copyOfRange(input, 3, newline);
        byte[] body = newline < input.length ? Arrays.copyOfRange(input, newline + 1, input.length) : new byte[0];
        String target = "/v1" + target(rawTarget).replace("{T}", team);
        Map<String, String> headers = new LinkedHashMap<>();
        if (!token.isEmpty()) {
            headers.put("Authorization", "Bearer " + token);
        }
        if (!contentType.isEmpty()) {
            headers.put("Content-Type", contentType);
        }

        Object before = fx.onRoster(AdminApiFuzzTest::state);
        RawHttp.Answer a = http.send(method, target, headers, body);
        String request = method + " " + target;
        assertTrue(a.status() < 500, () -> request + " was answered " + a.status() + " "
                + new String(a.body(), StandardCharsets.UTF_8));
        String type = a.header("content-type");
        if (a.status() >= 400 && type != null && type.startsWith("application/json") && !method.equals("HEAD")) {
            try {
                assertTrue(new JsonObject(new String(a.body(), StandardCharsets.UTF_8)).getString("code") != null,
                        () -> request + ": an error names its code");
            } catch (DecodeException e) {
                throw new AssertionError(request + ": the error is not JSON", e);
            }
        }
        if (a.status() >= 400) {
            assertEquals(before, fx.onRoster(AdminApiFuzzTest::state), () -> request + " was refused but changed the roster");
        } else if (!method.equals("GET") && !method.equals("HEAD") && ++changes >= CHANGES_PER_ROSTER) {
            fresh();
        }
        fx.audit.forgetAfter(100);
        return a;
    }

    /** Everything a call could change: the teams, their members, the users' organisations. */
    private static Object state(Roster r) {
        List<Object> out = new ArrayList<>();
        for (String org : List.of("h1", "h2")) {
            for (Team t : r.teamsOfOrg(org)) {
                out.add(t);
                out.add(r.members(t.id()));
            }
        }
        for (String user : List.of("alice", "root", "bob", "eve", "mallory", "carol")) {
            out.add(r.orgOf(user));
            out.add(r.memberships(user));
        }
        return out;
    }

    /** The request target: printable ASCII as given, any other byte percent-encoded. */
    private static String target(byte[] raw) {
        StringBuilder sb = new StringBuilder();
        for (byte b : raw) {
            int c = b & 0xFF;
            if (c > 0x20 && c < 0x7F) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    private static byte[] seed(int method, int caller, int contentType, String target, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(method);
        out.write(caller);
        out.write(contentType);
        out.writeBytes(target.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
        out.writeBytes(body.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A new roster (in a new directory) with one team: Alice coordinates, Bob is a patient. */
    private static void fresh() {
        if (fx != null) {
            http.close();
            fx.stop();
        }
        fx = new AdminFixture(VERTX, BASE.resolve("roster-" + ++rosters));
        fx.contractChecks = false;
        fx.start();
        http = new RawHttp(fx.port(), 10_000);
        tokens = List.of(fx.token("alice", "h1"), fx.admin("root", "h1"), fx.token("bob", "h1"),
                fx.admin("eve", "h2"), fx.token("mallory", null), "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "");
        // each caller's first call records their organisation: done here, so that no fuzzed call does it
        for (String t : tokens.subList(0, 5)) {
            fx.call(io.vertx.core.http.HttpMethod.GET, "/v1/teams", t, null);
        }
        team = fx.call(io.vertx.core.http.HttpMethod.POST, "/v1/teams", tokens.get(0),
                new JsonObject().put("name", "Oncology")).json().getString("id");
        fx.call(io.vertx.core.http.HttpMethod.PUT, "/v1/teams/" + team + "/members/bob", tokens.get(0),
                new JsonObject().put("role", "patient"));
        changes = 0;
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return a.length;
    }


}
