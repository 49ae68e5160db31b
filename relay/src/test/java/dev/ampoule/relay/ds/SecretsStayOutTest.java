package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.LogCapture;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.SecretScan;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known secrets — every bearer token and browser ticket, the devices' private signature keys and
 * their groups' exporter secrets, the texts of messages, a team's name, and secrets hidden in bad
 * input (forged tokens, malformed frames and messages, unknown JSON members, wrong tickets) — are
 * planted in end-to-end flows through a real relay: a care team formed through the admin API with
 * several devices, messages and acknowledgements, a browser login, roster changes, audit queries
 * and exports. Then every log record (all loggers, every level, with stack traces), the console,
 * {@code /metrics}, the audit log and every file of the data directory except the encrypted store
 * are searched for them, raw, in hex and in base64. None may be there.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecretsStayOutTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    private static String secret(String kind) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return kind + "-" + HexFormat.of().formatHex(b);
    }

    private static HttpCalls.Answer call(HttpClient http, int port, HttpMethod method, String uri, String token,
            JsonObject body) {
        return HttpCalls.call(http, HttpCalls.to(port, method, uri, token), body == null ? null : body.toBuffer());
    }

    @Test
    void noPlantedSecretReachesLogsMetricsAuditOrDataFiles(Vertx vertx, VertxTestContext ctx) throws Exception {
        SecretScan secrets = new SecretScan();
        SecretScan dataSecrets = new SecretScan(); // all but the team's name, which the roster must keep
        List<String> findings = new ArrayList<>();
        String metrics;
        try (LogCapture logs = new LogCapture()) {
            RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("auditDeliveryWindowSeconds", 1))
                    .start();
            HttpClient http = vertx.createHttpClient();
            int port = relay.port();
            DevKeys keys = DevKeys.loadOrCreate(dir);
            String alice = keys.mint(vertx, "alice", Optional.of("h1"), List.of(), "ampoule-dev", "ampoule-relay",
                    Duration.ofMinutes(10));
            String admin = keys.mint(vertx, "root", Optional.of("h1"), List.of("org_admin"), "ampoule-dev",
                    "ampoule-relay", Duration.ofMinutes(10));
            String teamName = "Onkologie Frau Weber " + secret("name");
            List<String> texts = List.of(secret("Befund"), secret("Dosis"), secret("Diagnose"), secret("Rezept"));
            try {
                // the care team, through the admin API
                HttpCalls.Answer created = call(http, port, HttpMethod.POST, "/v1/teams", alice,
                        new JsonObject().put("name", teamName));
                assertEquals(201, created.status());
                String teamId = created.json().getString("id");
                for (String[] m : new String[][] {{"bob", "practitioner"}, {"carol", "patient"}, {"dave", "pharmacist"}}) {
                    assertEquals(201, call(http, port, HttpMethod.PUT, "/v1/teams/" + teamId + "/members/" + m[0], alice,
                            new JsonObject().put("role", m[1])).status());
                }
                try (CareTeamFixture team = CareTeamFixture.formGroup(relay, null, teamId, "alice#phone", "bob#laptop",
                        "carol#tablet", "dave#desk")) {
                    for (int i = 0; i < team.members.size(); i++) {
                        MlsMember m = team.member(i);
                        secrets.plant("signature private key of " + m.id, m.keys.privateKey().copy());
                        secrets.plant("exporter secret of " + m.id, m.group.exporter("scan", new byte[0], 32));
                    }
                    for (int i = 0; i < texts.size(); i++) {
                        team.send(i, "message " + texts.get(i));
                        for (int k = 0; k < team.members.size(); k++) {
                            if (k != i) {
                                assertEquals(Optional.of("message " + texts.get(i)), team.read(k));
                            }
                        }
                    }
                    // a roster removal: the relay proposes, the coordinator commits
                    assertEquals(204, call(http, port, HttpMethod.DELETE, "/v1/teams/" + teamId + "/members/dave",
                            alice, null).status());
                    team.receiveProposals(0, 1);
                    team.commit(0, CommitOptions.builder());

                    // bad input carrying secrets, from a member's connection
                    String inFrame = secret("frame");
                    team.device(1).sendRaw(("garbage " + inFrame).getBytes(StandardCharsets.UTF_8));
                    team.device(1).sendText("text " + inFrame);
                    String inMessage = secret("mlsmessage");
                    team.device(1).error(new Frame.SendApplication(team.groupId,
                            Bytes.wrap(("not mls " + inMessage).getBytes(StandardCharsets.UTF_8))),
                            ErrorCode.INVALID_MESSAGE);
                    secrets.plant("malformed frame", inFrame).plant("malformed MLS message", inMessage);
                    dataSecrets.plant("malformed frame", inFrame).plant("malformed MLS message", inMessage);
                }

                // a browser: a ticket, then the WebSocket
                String carol = relay.token("carol");
                String ticket = call(http, port, HttpMethod.POST, "/v1/tickets", carol, null).json().getString("ticket");
                secrets.plant("ticket", ticket);
                dataSecrets.plant("ticket", ticket);
                try (TestDevice browser = await(TestDevice.open(vertx, port, "/v1/ws?ticket=" + ticket + "&device=web"))) {
                    assertTrue(browser.ok(new Frame.AckMailbox(0)) >= 0);
                }
                String wrongTicket = secret("ticket");
                assertEquals(401, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, "/v1/ws?ticket=" + wrongTicket
                        + "&device=web")).status());

                // forged and broken tokens, over the WebSocket and HTTP
                String forgedClaim = secret("claim");
                String forged = base64url("{\"alg\":\"ES256\",\"kid\":\"dev\"}") + "."
                        + base64url("{\"sub\":\"" + forgedClaim + "\",\"exp\":4102444800}") + "." + base64url(secret("sig"));
                String garbage = secret("bearer");
                for (String token : List.of(forged, garbage)) {
                    TestDevice d = await(TestDevice.open(vertx, port, "/v1/ws"));
                    assertEquals(ErrorCode.UNAUTHENTICATED, ((Frame.Error) await(d.request(
                            new Frame.Authenticate(token, "phone")))).code());
                    d.close();
                    assertEquals(401, call(http, port, HttpMethod.GET, "/v1/teams", token, null).status());
                    assertEquals(401, call(http, port, HttpMethod.POST, "/v1/tickets", token, null).status());
                }
                String device = secret("device");
                TestDevice d = await(TestDevice.open(vertx, port, "/v1/ws"));
                await(d.request(new Frame.Authenticate(relay.token("bob"), "bad device " + device)));
                d.close();
                String member = secret("json");
                assertEquals(400, call(http, port, HttpMethod.POST, "/v1/teams", alice,
                        new JsonObject().put("name", "x").put("note", member)).status());
                assertEquals(400, call(http, port, HttpMethod.POST, "/v1/teams", alice,
                        new JsonObject().put("name", 7).put("retentionDays", member)).status());
                java.util.Map<String, String> bad = java.util.Map.of("forged token", forged, "forged token's claim",
                        forgedClaim, "garbage token", garbage, "invalid device id", device, "unknown JSON member", member,
                        "wrong ticket", wrongTicket);
                bad.forEach((label, value) -> {
                    secrets.plant(label, value);
                    dataSecrets.plant(label, value);
                });

                // the audit log, as org admins read it
                assertEquals(200, call(http, port, HttpMethod.GET, "/v1/audit?team=" + teamId, admin, null).status());
                assertEquals(200, call(http, port, HttpMethod.GET, "/v1/audit/export", admin, null).status());
                metrics = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, "/metrics")).text();
            } finally {
                http.close();
                relay.stop();
            }
            // every token of the run: the admin API's and the devices'
            List<String> tokens = new ArrayList<>(relay.minted);
            tokens.add(alice);
            tokens.add(admin);
            for (String t : tokens) {
                String label = "a bearer token (" + tokens.indexOf(t) + ")";
                secrets.plant(label, t).plant(label + "'s signature", t.substring(t.lastIndexOf('.') + 1));
                dataSecrets.plant(label, t).plant(label + "'s signature", t.substring(t.lastIndexOf('.') + 1));
            }
            secrets.plant("team name", teamName);
            for (String text : texts) {
                secrets.plant("message text", text);
                dataSecrets.plant("message text", text);
            }
            List<String> records = logs.records();
            assertTrue(records.size() > 20, "the relay logged (" + records.size() + " records)");
            for (int i = 0; i < records.size(); i++) {
                findings.addAll(secrets.find("log record " + i + " (" + firstLine(records.get(i)) + ")", records.get(i)));
            }
            findings.addAll(secrets.find("the console", logs.console()));
        }
        findings.addAll(secrets.find("/metrics", metrics));
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = dir.relativize(f);
                if (rel.startsWith("log")) {
                    continue; // the store: ciphertext and MLS handshake messages, as the relay must keep them
                }
                byte[] bytes = Files.readAllBytes(f);
                boolean auditOrMetrics = rel.startsWith("audit");
                findings.addAll((auditOrMetrics ? secrets : dataSecrets).find("data file " + rel, bytes));
            }
        }
        assertTrue(secrets.size() > 30, "planted " + secrets.size());
        assertEquals(List.of(), findings, "planted secrets found outside the encrypted store");
        ctx.completeNow();
    }

    private static String base64url(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A record's first line: its time and source, not its message (which may hold what was found). */
    private static String firstLine(String record) {
        return record.strip().split("\n", 2)[0];
    }
}
