package dev.ampoule.client;

import static dev.ampoule.client.support.ClientCalls.failure;
import static dev.ampoule.client.support.ClientCalls.randomFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.admin.AdminClient;
import dev.ampoule.client.demo.DevTokens;
import dev.ampoule.client.support.AuditVerify;
import dev.ampoule.identity.support.MutableClock;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.client.support.Relays;
import dev.ampoule.relay.support.TestDevice;
import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * History granted after the fact, end to end through a real relay, SDK clients and the admin API,
 * with one clock for the relay's content and the clients' history moved through 40 days: a
 * coordinator adds a cardiologist with history since 30 days before, and the cardiologist reads
 * exactly the messages and files of those 30 days and nothing older; a member added with
 * {@code none} reads nothing from before joining; a member taken off the roster fetches no history
 * and no file; grants beyond what was authorised, by a non-coordinator, or for nobody are refused
 * with their codes and change nothing; every authorisation, grant, revocation and fetch is in the
 * audit log, whose chain verifies. (That story moves one relay's content clock through 40 days, so it
 * runs on a single relay; the cluster's nodes go by their own clocks.)
 *
 * <p>On a single relay and on a cluster of three relay JVMs, with the parties on different nodes:
 * an authorisation set through one node's admin API, a grant made by a device on another and the
 * cardiologist's reads through a third agree, and a revocation through any node is in force for the
 * very next fetch on every node.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HistoryGrantTest {

    private static final String ORG = "st-mary";

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.careTeams();

    private final Instant now = Instant.now();
    private final MutableClock clock = new MutableClock(now.minus(Duration.ofDays(40)));
    private Path dir;
    private RelayFixture relay;
    private Function<String, String> token;

    private Party party(String user, String device) {
        return e2e.track(new Party(relay.uri(), token, e2e.clientsDir(), user, device)
                .configure(b -> b.clock(clock).autoCommitDelay(Duration.ofMillis(600)))).start();
    }

    private static List<String> texts(GroupHistory h) {
        return h.messages().stream().map(m -> switch (m.content()) {
            case Content.Text t -> t.text();
            case Content.File f -> "file " + f.attachment().name();
            case Content.Binary b -> "bytes " + b.contentType();
        }).toList();
    }

    /** The relay's stored history records of a group (what a compromised relay holds). */
    private List<BlobMeta> storedHistory(GroupId g) {
        return RelayFixture.await(relay.verticle().onContext(ds -> Future.succeededFuture(
                relay.verticle().blobService().ofGroup(g.bytes())))).stream()
                .filter(b -> b.kind() == BlobMeta.Kind.HISTORY).toList();
    }

    @Test
    void aCardiologistReadsExactlyTheGrantedWindow() throws Exception {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        dir = e2e.dir();
        relay = e2e.start(new JsonObject(), clock);
        DevTokens tokens = DevTokens.fromRelayDataDir(relay.dataDir, "ampoule-dev", "ampoule-relay");
        token = user -> tokens.mint(user, Optional.of(ORG), List.of(), Duration.ofHours(1));
        URI http = URI.create("http://127.0.0.1:" + relay.port);
        AdminClient coordinatorApi = new AdminClient(http, () -> token.apply("coordinator"));
        AdminClient adminApi = new AdminClient(http,
                () -> tokens.mint("org-admin", Optional.of(ORG), List.of("org_admin"), Duration.ofHours(1)));

        // 40 days ago: the team forms and talks
        AdminClient.Team team = coordinatorApi.createTeam("Mr K., cardiac follow-up", Optional.of(90)).join();
        coordinatorApi.putMember(team.id(), "gp", "practitioner").join();
        GroupId g = GroupId.ofTeam(team.id());
        Party coordinator = party("coordinator", "desk");
        Party gp = party("gp", "laptop");
        coordinator.client.createGroup(team.id()).join();
        gp.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 30);
        coordinator.client.send(g, "40 days ago: first visit").join();
        Path oldScan = randomFile(dir, "old-ecg.bin", 200_000, 1);
        SentAttachment oldEcg = coordinator.client.sendAttachment(g, oldScan, "application/dicom").join();
        gp.client.send(g, "40 days ago: noted").join();

        // 20 days ago
        clock.advance(Duration.ofDays(20));
        coordinator.client.send(g, "20 days ago: rhythm better").join();
        Path recentScan = randomFile(dir, "recent-ecg.bin", 300_000, 2);
        coordinator.client.sendAttachment(g, recentScan, "application/dicom").join();
        gp.client.send(g, "20 days ago: continue").join();
        assertEquals(6, storedHistory(g).size(), "one history record per message");

        // today: the cardiologist joins with history since 30 days ago, the nurse with none
        clock.advance(Duration.ofDays(20));
        coordinatorApi.putMember(team.id(), "cardio", "practitioner").join();
        coordinatorApi.putMember(team.id(), "nurse", "practitioner").join();
        Party cardio = party("cardio", "tablet");
        Party nurse = party("nurse", "phone");
        for (Party p : List.of(cardio, nurse)) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 60);
        }
        AdminClient.HistoryAccess access = coordinatorApi.setHistoryAccess(team.id(), "cardio", "since",
                Optional.of(today.minusDays(30))).join();
        assertEquals(Optional.of(today.minusDays(30)), access.from());

        // before any grant the cardiologist reads nothing older than joining
        assertEquals(List.of(), cardio.client.history(g).join().messages());

        // bad grants: beyond the authorisation (the relay checks before the keys go out), for
        // nobody authorised, by a non-coordinator — each refused, nothing changes
        coordinator.stop(); // the coordinator's own device, driven by hand
        try (TestDevice raw = TestDevice.connected(e2e.vertx(), relay.port, token.apply("coordinator"), "desk")) {
            Bytes junk = Bytes.wrap(new byte[40]);
            long t = today.toEpochDay();
            raw.error(new Frame.GrantHistory(g.bytes(), "cardio", t - 31, t, junk), ErrorCode.GRANT_NOT_AUTHORISED);
            raw.error(new Frame.GrantHistory(g.bytes(), "cardio", t - 30, t + 1, junk), ErrorCode.GRANT_NOT_AUTHORISED);
            raw.error(new Frame.GrantHistory(g.bytes(), "cardio", t, t - 1, junk), ErrorCode.GRANT_NOT_AUTHORISED);
            raw.error(new Frame.GrantHistory(g.bytes(), "nurse", t - 1, t, junk), ErrorCode.GRANT_NOT_AUTHORISED);
            raw.error(new Frame.ListHistory(g.bytes(), Optional.of("nurse"), 0), ErrorCode.GRANT_NOT_AUTHORISED);
        }
        coordinator.start();
        try (TestDevice raw = TestDevice.connected(e2e.vertx(), relay.port, token.apply("gp"), "laptop-2")) {
            raw.error(new Frame.ListHistory(g.bytes(), Optional.of("cardio"), 0), ErrorCode.FORBIDDEN);
        }
        assertTrue(failure(() -> coordinator.client.grantHistory(g, "nurse").join())
                .is(ErrorCode.GRANT_NOT_AUTHORISED), "nothing was authorised for the nurse");
        assertTrue(failure(() -> gp.client.grantHistory(g, "cardio").join()).is(ErrorCode.GRANT_NOT_AUTHORISED),
                "the practitioner is no coordinator");
        assertEquals(List.of(), coordinatorApi.historyAccess(team.id(), "cardio").join().grants());
        assertTrue(cardio.events.all(ClientEvent.HistoryGranted.class).isEmpty());

        // the coordinator's device grants: the keys of exactly the authorised days
        HistoryGrant grant = coordinator.client.grantHistory(g, "cardio").join();
        assertEquals(today.minusDays(30), grant.from());
        assertEquals(today, grant.to());
        assertTrue(grant.keys() >= 1, grant.toString());
        ClientEvent.HistoryGranted granted = cardio.events.awaitFirst(ClientEvent.HistoryGranted.class,
                e -> e.groupId().equals(g), 30);
        assertEquals(grant.keys(), granted.keys());
        assertEquals("coordinator", granted.from().userId());
        assertTrue(nurse.events.all(ClientEvent.HistoryGranted.class).isEmpty(), "sealed to the cardiologist only");

        GroupHistory read = cardio.client.history(g).join();
        assertEquals(List.of("20 days ago: rhythm better", "file recent-ecg.bin", "20 days ago: continue"),
                texts(read));
        assertEquals(0, read.rejected());
        assertEquals(Set.of("coordinator", "gp"), read.messages().stream().map(m -> m.from().userId())
                .collect(Collectors.toSet()));
        Attachment recent = read.messages().get(1).content() instanceof Content.File f ? f.attachment() : null;
        Path got = dir.resolve("cardio-recent.bin");
        cardio.client.fetchAttachment(recent, got).join();
        assertArrayEquals(Files.readAllBytes(recentScan), Files.readAllBytes(got));
        // nothing older: the older file and the older records are refused by the relay
        assertTrue(failure(() -> cardio.client.fetchAttachment(oldEcg.attachment(), dir.resolve("x")).join())
                .is(ErrorCode.NOT_GRANTED));
        cardio.stop(); // its device's connection is the probe's for a while
        try (TestDevice raw = TestDevice.connected(e2e.vertx(), relay.port, token.apply("cardio"), "tablet")) {
            for (BlobMeta old : storedHistory(g)) {
                if (old.day() < today.minusDays(30).toEpochDay()) {
                    raw.error(new Frame.FetchBlob(old.blobId(), 0, 1_000), ErrorCode.NOT_GRANTED);
                }
            }
        }
        cardio.start();

        // the coordinator still reads everything it was there for
        assertEquals(6, coordinator.client.history(g).join().messages().size());

        // the nurse (none) reads nothing from before joining, and what follows once she is in
        coordinator.client.send(g, "today: welcome to the team").join();
        assertEquals(List.of("today: welcome to the team"), texts(nurse.client.history(g).join()));
        assertTrue(failure(() -> nurse.client.fetchAttachment(recent, dir.resolve("y")).join())
                .is(ErrorCode.NOT_GRANTED));

        // the practitioner leaves the roster: no history and no file from then on
        coordinatorApi.removeMember(team.id(), "gp").join();
        coordinator.events.awaitFirst(ClientEvent.MembersRemoved.class, r -> r.groupId().equals(g), 60);
        gp.stop();
        try (TestDevice raw = TestDevice.connected(e2e.vertx(), relay.port, token.apply("gp"), "laptop")) {
            raw.error(new Frame.ListHistory(g.bytes(), Optional.empty(), 0), ErrorCode.FORBIDDEN);
            raw.error(new Frame.FetchBlob(recent.blobId(), 0, 1_000), ErrorCode.FORBIDDEN);
            for (BlobMeta b : storedHistory(g)) {
                raw.error(new Frame.FetchBlob(b.blobId(), 0, 1_000), ErrorCode.FORBIDDEN);
            }
        }

        // revoked: the cardiologist fetches nothing of the window any more (nothing re-encrypted)
        coordinatorApi.revokeHistory(team.id(), "cardio").join();
        assertEquals(List.of("today: welcome to the team"), texts(cardio.client.history(g).join()));
        assertTrue(failure(() -> cardio.client.fetchAttachment(recent, dir.resolve("z")).join())
                .is(ErrorCode.NOT_GRANTED));

        // the story is in the audit log, by ids only, and its chain verifies
        List<JsonObject> audit = adminApi.exportAudit(team.id()).join().stream().map(JsonObject::new).toList();
        Set<String> types = audit.stream().map(e -> e.getString("type")).collect(Collectors.toSet());
        assertTrue(types.containsAll(Set.of("history_authorised", "history_granted", "history_grant_refused",
                "history_revoked", "history_fetched", "blob_uploaded", "blob_fetched")), types.toString());
        JsonObject grantEntry = audit.stream().filter(e -> e.getString("type").equals("history_granted")).findFirst()
                .orElseThrow();
        assertEquals("coordinator", grantEntry.getString("actor"));
        assertEquals("cardio", grantEntry.getString("user"));
        assertEquals("desk", grantEntry.getJsonObject("details").getString("device"));
        assertEquals(today.minusDays(30).toString(), grantEntry.getJsonObject("details").getString("from"));
        assertEquals(today.toString(), grantEntry.getJsonObject("details").getString("to"));
        relay.stop();
        Path log = relay.dataDir.resolve("audit").resolve("audit.log");
        assertEquals(0, AuditVerify.run(log), "the relay's chain verifies");
        for (String line : Files.readAllLines(log)) {
            assertTrue(!line.contains("rhythm") && !line.contains("cardiac"), "no content or team name: " + line);
        }
    }

    /** A party whose client prefers node {@code node} (on a single relay: the relay). */
    private Party partyOn(int node, String user, String device) {
        return e2e.partyOn(node, user, device, b -> b.autoCommitDelay(Duration.ofMillis(600)));
    }

    @ParameterizedTest
    @EnumSource(Relays.Deployment.class)
    void anAuthorisationAndGrantMadeThroughOneNodeAreUsedAndRevokedThroughOthers(Relays.Deployment deployment)
            throws Exception {
        Relays relays = e2e.deploy(deployment).relays();
        Path files = e2e.dir();
        String teamId = relays.createTeam("coordinator");
        relays.addToRoster(teamId, "gp", "practitioner");
        GroupId g = GroupId.ofTeam(teamId);
        Party coordinator = partyOn(0, "coordinator", "desk");
        Party gp = partyOn(1, "gp", "laptop");
        coordinator.client.createGroup(teamId).join();
        gp.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 60);
        coordinator.client.send(g, "before: first visit").join();
        Path scan = randomFile(files, "scan.bin", 120_000, 3);
        SentAttachment ecg = coordinator.client.sendAttachment(g, scan, "application/dicom").join();
        gp.client.send(g, "before: noted").join();

        // the cardiologist joins, on the third node; the authorisation goes through the second
        relays.addToRoster(teamId, "cardio", "practitioner");
        Party cardio = partyOn(2, "cardio", "tablet");
        cardio.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 60);
        assertEquals(List.of(), cardio.client.history(g).join().messages(), "nothing before a grant");
        e2e.admin(1, "coordinator").setHistoryAccess(teamId, "cardio", "all", Optional.empty()).join();

        // the coordinator's device, on the first node, grants within it; the third node serves it
        HistoryGrant grant = coordinator.client.grantHistory(g, "cardio").join();
        assertTrue(grant.keys() >= 1, grant.toString());
        cardio.events.awaitFirst(ClientEvent.HistoryGranted.class, e -> e.groupId().equals(g), 30);
        assertEquals(List.of("before: first visit", "file scan.bin", "before: noted"),
                texts(cardio.client.history(g).join()));
        Path got = files.resolve("cardio-scan.bin");
        cardio.client.fetchAttachment(ecg.attachment(), got).join();
        assertArrayEquals(Files.readAllBytes(scan), Files.readAllBytes(got));
        assertEquals(1, e2e.admin(2, "coordinator").historyAccess(teamId, "cardio").join().grants().size(),
                "every node's admin API sees the grant");

        // revoked through the third node: the very next fetch through any node is refused
        e2e.admin(2, "coordinator").revokeHistory(teamId, "cardio").join();
        assertEquals(List.of(), cardio.client.history(g).join().messages());
        assertTrue(failure(() -> cardio.client.fetchAttachment(ecg.attachment(), files.resolve("z")).join())
                .is(ErrorCode.NOT_GRANTED));
        cardio.stop(); // its device's connection is the probe's, on each node in turn
        List<Integer> ports = e2e.ports();
        for (int port : ports) {
            try (TestDevice raw = TestDevice.connected(e2e.vertx(), port, relays.token("cardio"), "tablet")) {
                raw.error(new Frame.FetchBlob(ecg.attachment().blobId(), 0, 1_000), ErrorCode.NOT_GRANTED);
                Frame.HistoryList list = (Frame.HistoryList) raw.call(new Frame.ListHistory(g.bytes(),
                        Optional.empty(), 0));
                assertEquals(List.of(), list.entries(), "no history listed after the revocation");
            }
        }
        assertEquals("none", e2e.admin(0, "coordinator").historyAccess(teamId, "cardio").join().access());
    }
}
