package dev.ampoule.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Short real runs of the load test through its command line: a relay started in this JVM (file
 * store, fsync on), teams formed through it, a few seconds of load, every delivery verified — in
 * relay-only mode with devices going offline and reconnecting, in full mode, in full mode with
 * membership churn, with care teams whose rosters change, and against the ceiling server; then the JSON summary and the HTML report are
 * read back.
 */
class LoadTestSmokeTest {

    @TempDir
    static Path dir;
    private static InProcessRelay relay;

    @BeforeAll
    static void startRelay() throws Exception {
        relay = new InProcessRelay(dir.resolve("relay-data"));
    }

    @AfterAll
    static void stopRelay() throws Exception {
        relay.close();
    }

    private record Outcome(int exit, String console, JsonNode json, String html) {
    }

    private static Outcome run(String name, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--relay", relay.url(), "--relay-data-dir", relay.dataDir.toString(),
                "--teams", "4", "--team-size", "3", "--rate", "50", "--warmup", "1s", "--duration", "3s",
                "--drain-timeout", "60s", "--event-loops", "2", "--out", dir.resolve("out").toString(), "--name", name));
        args.addAll(List.of(extra));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = new CommandLine(new LoadTestCommand(console)).execute(args.toArray(String[]::new));
        String text = bytes.toString(StandardCharsets.UTF_8);
        Path json = dir.resolve("out").resolve(name + ".json");
        Path html = dir.resolve("out").resolve(name + ".html");
        assertTrue(Files.exists(json), () -> "no JSON summary; console:\n" + text);
        assertTrue(Files.exists(html), () -> "no HTML report; console:\n" + text);
        return new Outcome(exit, text, new ObjectMapper().readTree(json.toFile()),
                Files.readString(html, StandardCharsets.UTF_8));
    }

    /** The run passed: no delivery lost, duplicated, misordered, mismatched, misrouted, corrupt or undecryptable. */
    private static JsonNode assertNoWrongDelivery(Outcome o, JsonNode r) {
        assertEquals(0, o.exit(), o.console());
        assertTrue(r.get("verified").asBoolean(), o.console());
        JsonNode v = r.get("verification");
        for (String failure : List.of("lost", "duplicated", "misordered", "mismatched", "misrouted", "corrupt",
                "undecryptable")) {
            assertEquals(0, v.get(failure).asLong(), failure + "\n" + o.console());
        }
        return v;
    }

    /** Everything sent in 4 s at 50/s was accepted and reached each of the 3 devices of its team exactly once. */
    private static void assertVerified(Outcome o, JsonNode r) {
        JsonNode v = assertNoWrongDelivery(o, r);
        long sent = r.get("totals").get("sent").asLong();
        assertEquals(200, sent, o.console());
        assertEquals(sent, r.get("totals").get("accepted").asLong(), o.console());
        assertEquals(sent, v.get("sequenced").asLong(), o.console());
        assertEquals(3 * sent, v.get("expectedDeliveries").asLong(), o.console());
        assertEquals(3 * sent, r.get("totals").get("delivered").asLong(), o.console());
        assertTrue(r.get("deliveredPerSecond").asDouble() > 0, o.console());
        assertTrue(r.get("latency").get("count").asLong() > 0, o.console());
        assertTrue(r.get("latency").get("p99").asDouble() > 0, o.console());
        assertEquals(12, r.get("setup").get("connections").asInt());
        assertTrue(r.get("series").size() >= 4, o.console());
        // each second carries its wall-clock time, in order, a second or so apart
        Instant previous = Instant.parse(o.json().get("started").asText());
        for (JsonNode point : r.get("series")) {
            Instant at = Instant.parse(point.get("at").asText());
            assertTrue(at.isAfter(previous), point.toString());
            previous = at;
        }
    }

    @Test
    void relayOnlyWithReconnectingDevicesAndTheCeiling() throws Exception {
        Outcome o = run("relay-only", "--mode", "relay-only", "--reconnecting-share", "0.25", "--offline-time", "1s",
                "--ceiling", "in-process");
        JsonNode relayRun = o.json().get("relay");
        assertVerified(o, relayRun);
        assertTrue(relayRun.get("setup").get("reconnections").asLong() > 0, o.console());
        assertTrue(relayRun.get("relayMetrics").has("ampoule_deliveries_total"), relayRun.get("relayMetrics").toString());
        JsonNode ceiling = o.json().get("ceiling");
        assertVerified(o, ceiling);
        assertTrue(o.json().get("ceilingRatio").asDouble() > 0, o.console());
        assertTrue(o.json().get("verified").asBoolean());
        assertTrue(o.html().contains("Delivery verified"), o.html());
        assertTrue(o.html().contains("<svg") && o.html().contains("Throughput") && o.html().contains("ceiling"));
        assertTrue(o.html().contains("latency p99 (ms)"));
        assertTrue(o.console().contains("[relay]") && o.console().contains("delivered"), o.console());
    }

    @Test
    void fullClientsEncryptAndDecrypt() throws Exception {
        Outcome o = run("full", "--mode", "full");
        assertVerified(o, o.json().get("relay"));
        assertEquals("full", o.json().get("settings").get("mode").asText());
        assertTrue(o.json().get("ceiling").isNull());
        assertTrue(o.html().contains("Delivery verified"));
    }

    /**
     * 11 membership changes in 4 s (due at 1/3 s, 2/3 s, …, 11/3 s) over the 4 teams (teams 0-2: a
     * device removed, added back, another removed; team 3: removed, added back) while 200 messages go out: every change is done, every message accepted
     * (those a Commit made stale sent again), and each device received exactly what was sequenced
     * while it was a member.
     */
    /** The churn at 180 a minute for 4 s: 11 changes (7 removes, 4 adds) all done; 200 messages sent and accepted. */
    private static long assertElevenChangesAndEveryMessageAccepted(Outcome o, JsonNode r) {
        JsonNode churn = r.get("churn");
        assertEquals(11, churn.get("scheduled").asLong(), o.console());
        assertEquals(7, churn.get("removes").asLong(), o.console());
        assertEquals(4, churn.get("adds").asLong(), o.console());
        assertTrue(churn.get("failed").isEmpty(), o.console());
        assertEquals(11, churn.get("commitLatency").get("count").asLong(), o.console());
        assertEquals(4, churn.get("joinLatency").get("count").asLong(), o.console());
        assertTrue(churn.get("joinLatency").get("p50").asDouble() > 0, o.console());
        long sent = r.get("totals").get("sent").asLong();
        assertEquals(200, sent, o.console());
        assertEquals(sent, r.get("totals").get("accepted").asLong(), o.console());
        return sent;
    }

    @Test
    void fullClientsWithMembershipChurn() throws Exception {
        Outcome o = run("churn", "--mode", "full", "--churn", "180");
        JsonNode r = o.json().get("relay");
        JsonNode v = assertNoWrongDelivery(o, r);
        long sent = assertElevenChangesAndEveryMessageAccepted(o, r);
        // the relay sequenced the messages and the 11 Commits; the devices out for a while were owed less
        assertEquals(sent + 11, v.get("sequenced").asLong(), o.console());
        assertTrue(v.get("expectedDeliveries").asLong() < 3 * (sent + 11), o.console());
        assertTrue(v.get("expectedDeliveries").asLong() > 2 * (sent + 11), o.console());
        assertEquals(180.0, o.json().get("settings").get("churnPerMinute").asDouble());
        assertEquals(0, r.get("churn").get("rosterCallLatency").get("count").asLong(), "no roster in ad hoc groups");
        assertTrue(o.html().contains("membership changes done"), o.html());
        assertTrue(o.console().contains("churn: 11 of 11 membership changes done"), o.console());
    }

    /**
     * Care teams of 3 users with 2 devices each, formed through the admin API and the relay's Add
     * proposals; 11 roster changes by the teams' coordinators in 4 s (7 users taken off, 4 put back)
     * while 200 messages go out: every change is done — the relay proposed it (one proposal per
     * device), the committer committed the proposals — every message accepted (those refused while
     * a removal fenced the group sent again), and each device received exactly what it was owed.
     */
    @Test
    void careTeamsWithRosterChurn() throws Exception {
        Outcome o = run("roster", "--mode", "full", "--care-teams", "--devices-per-user", "2", "--churn", "180");
        JsonNode r = o.json().get("relay");
        JsonNode v = assertNoWrongDelivery(o, r);
        long sent = assertElevenChangesAndEveryMessageAccepted(o, r);
        // the messages, the 11 Commits and the relay's 22 proposals (one per device of each changed user)
        assertEquals(sent + 11 + 22, v.get("sequenced").asLong(), o.console());
        assertTrue(v.get("expectedDeliveries").asLong() < 6 * (sent + 33), o.console());
        assertTrue(o.json().get("settings").get("careTeams").asBoolean());
        // each change is one roster call, and the relay's proposals for it reached the committer
        assertEquals(11, r.get("churn").get("rosterCallLatency").get("count").asLong(), o.console());
        assertEquals(11, r.get("churn").get("proposedLatency").get("count").asLong(), o.console());
        assertTrue(o.console().contains("roster calls: answered"), o.console());
        assertTrue(o.html().contains("roster call"), o.html());
        assertTrue(o.console().contains("churn: 11 of 11 membership changes done"), o.console());
    }

    @Test
    void churnIsRefusedInRelayOnlyMode() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = new CommandLine(new LoadTestCommand(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)));
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        int exit = cli.execute("--relay", relay.url(), "--relay-data-dir", relay.dataDir.toString(), "--mode",
                "relay-only", "--churn", "10", "--out", dir.resolve("refused").toString());
        assertEquals(2, exit);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--churn needs --mode full"), err::toString);
        assertTrue(!Files.exists(dir.resolve("refused")), "nothing written");
    }
}
