package dev.ampoule.client;

import static dev.ampoule.client.support.ClientCalls.failure;
import static dev.ampoule.client.support.ClientCalls.randomFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.admin.AdminClient;
import dev.ampoule.client.admin.AdminException;
import dev.ampoule.client.demo.DevTokens;
import dev.ampoule.client.support.AuditVerify;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.client.support.Relays;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.Poll;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A record shared with part of a care team, end to end through a real relay, SDK clients and the
 * admin API: a discharge letter a practitioner shares with the practitioners reaches their devices
 * and not the insurer's or the coordinator's (they hear no key, and the relay refuses them the
 * ciphertext); a coordinator makes the insurer a recipient, a practitioner's device hands the key
 * on, and the insurer reads the very same stored ciphertext (nothing re-encrypted); removing a
 * recipient stops their fetches; shares to users who are no recipients, reads by them, and changes
 * by a non-coordinator are refused with their codes; every change and share is in the audit log,
 * whose chain verifies.
 *
 * <p>On a single relay and on a cluster of three relay JVMs, with the parties on different nodes: the
 * recipients a share set through one node are served by another, a change through a third admin API
 * is in force for the next fetch on every node, and a roster removal takes the user off the record
 * everywhere.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RecordShareTest {

    private static final String ORG = "st-mary";

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.careTeams();

    private RelayFixture relay;
    private Function<String, String> token;

    private Party party(String user, String device) {
        return e2e.track(new Party(relay.uri(), token, e2e.clientsDir(), user, device)
                .configure(b -> b.autoCommitDelay(Duration.ofMillis(600)))).start();
    }

    private static ClientEvent.RecordShared shared(Party p, Attachment record) {
        return p.events.awaitFirst(ClientEvent.RecordShared.class,
                e -> e.record().blobId().equals(record.blobId()), 30);
    }

    private static AdminException adminFailure(Runnable call) {
        CompletionException e = assertThrows(CompletionException.class, call::run);
        return assertInstanceOf(AdminException.class, e.getCause());
    }

    /** The blobs the relay stores (their file names). */
    private Set<String> blobFiles() throws java.io.IOException {
        try (Stream<Path> files = Files.list(relay.dataDir.resolve("blobs"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".blob"))
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void aRecordReachesItsRecipientsOnlyAndALaterOneWithoutReEncryption() throws Exception {
        relay = e2e.relay();
        Path dir = e2e.dir();
        DevTokens tokens = DevTokens.fromRelayDataDir(relay.dataDir, "ampoule-dev", "ampoule-relay");
        token = user -> tokens.mint(user, Optional.of(ORG), List.of(), Duration.ofHours(1));
        URI http = URI.create("http://127.0.0.1:" + relay.port);
        AdminClient coordinatorApi = new AdminClient(http, () -> token.apply("coordinator"));
        AdminClient practitionerApi = new AdminClient(http, () -> token.apply("gp"));
        AdminClient adminApi = new AdminClient(http,
                () -> tokens.mint("org-admin", Optional.of(ORG), List.of("org_admin"), Duration.ofHours(1)));

        AdminClient.Team team = coordinatorApi.createTeam("Mrs L., discharge", Optional.empty()).join();
        coordinatorApi.putMember(team.id(), "gp", "practitioner").join();
        coordinatorApi.putMember(team.id(), "cardio", "practitioner").join();
        coordinatorApi.putMember(team.id(), "insurer", "insurer").join();
        GroupId g = GroupId.ofTeam(team.id());
        Party coordinator = party("coordinator", "desk");
        Party gp = party("gp", "laptop");
        Party cardio = party("cardio", "tablet");
        Party insurer = party("insurer", "office");
        coordinator.client.createGroup(team.id()).join();
        for (Party p : List.of(gp, cardio, insurer)) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 60);
        }

        // the practitioner shares the discharge letter with the practitioners
        Path letter = randomFile(dir, "discharge-letter.pdf", 300_000, 7);
        Attachment record = gp.client.shareRecord(g, letter, "application/pdf", List.of("practitioner"), List.of())
                .join();
        String recordId = record.blobId().hex();
        Attachment atCardio = shared(cardio, record).record();
        assertEquals("discharge-letter.pdf", atCardio.name());
        Path got = dir.resolve("cardio-letter.pdf");
        cardio.client.fetchAttachment(atCardio, got).join();
        assertArrayEquals(Files.readAllBytes(letter), Files.readAllBytes(got));
        assertEquals(List.of("cardio", "gp"), coordinatorApi.record(team.id(), recordId).join().sharedWith());

        // the insurer and the coordinator heard no key (a later message shows they processed the share),
        // and even with the key the relay hands them no ciphertext
        gp.client.send(g, "letter is on file").join();
        for (Party p : List.of(insurer, coordinator)) {
            p.events.awaitTexts(g, 1, 30);
            assertTrue(p.events.all(ClientEvent.RecordShared.class).isEmpty(), p.user + " got no key");
            assertTrue(failure(() -> p.client.fetchAttachment(record, dir.resolve(p.user + "-x")).join())
                    .is(ErrorCode.NOT_GRANTED), p.user);
        }
        Path storedBlob = relay.dataDir.resolve("blobs").resolve(recordId + ".blob");
        byte[] ciphertext = Files.readAllBytes(storedBlob);
        Set<String> blobsBefore = blobFiles();

        // bad input, each refused and changing nothing: the insurer asks who it is shared with; the
        // practitioner's device carries the key to the insurer, who is no recipient
        insurer.stop();
        try (TestDevice raw = TestDevice.connected(e2e.vertx(), relay.port, token.apply("insurer"), "office")) {
            raw.error(new Frame.ListRecipients(g.bytes(), record.blobId()), ErrorCode.NOT_GRANTED);
            raw.error(new Frame.ShareRecord(g.bytes(), record.blobId(), List.of("insurer"),
                    Bytes.wrap(new byte[40])), ErrorCode.NOT_GRANTED);
            raw.error(new Frame.ListRecipients(g.bytes(), Bytes.wrap(new byte[16])), ErrorCode.UNKNOWN_BLOB);
            // a record for a role the relay does not know, or for a user id that is none
            Bytes digest = Bytes.wrap(new byte[32]);
            raw.error(new Frame.UploadBlob(g.bytes(), Bytes.wrap(new byte[16]), 100, digest,
                    new Frame.BlobUse.Record(List.of("surgeon"), List.of())), ErrorCode.BLOB_MISMATCH);
            raw.error(new Frame.UploadBlob(g.bytes(), Bytes.wrap(new byte[16]), 100, digest,
                    new Frame.BlobUse.Record(List.of(), List.of("not an id"))), ErrorCode.BLOB_MISMATCH);
            // records are shared in care teams only
            raw.error(new Frame.UploadBlob(Bytes.ofHex("1a7e"), Bytes.wrap(new byte[16]), 100, digest,
                    new Frame.BlobUse.Record(List.of("practitioner"), List.of())), ErrorCode.FORBIDDEN);
        }
        insurer.start();
        gp.stop();
        try (TestDevice raw = TestDevice.connected(e2e.vertx(), relay.port, token.apply("gp"), "laptop")) {
            raw.error(new Frame.ShareRecord(g.bytes(), record.blobId(), List.of("insurer"),
                    Bytes.wrap(new byte[40])), ErrorCode.GRANT_NOT_AUTHORISED);
            raw.error(new Frame.ShareRecord(g.bytes(), record.blobId(), List.of(), Bytes.wrap(new byte[40])),
                    ErrorCode.GRANT_NOT_AUTHORISED);
        }
        gp.start();
        // only coordinators and admins change recipients; unknown records and roles are refused
        assertEquals(403, adminFailure(() -> practitionerApi.setRecordRecipients(team.id(), recordId,
                List.of("practitioner", "insurer"), List.of()).join()).status());
        assertEquals(404, adminFailure(() -> coordinatorApi.setRecordRecipients(team.id(), "00".repeat(16),
                List.of(), List.of("insurer")).join()).status());
        assertEquals(400, adminFailure(() -> coordinatorApi.setRecordRecipients(team.id(), recordId,
                List.of("surgeon"), List.of()).join()).status());
        assertEquals(List.of("cardio", "gp"), coordinatorApi.record(team.id(), recordId).join().sharedWith());
        assertTrue(insurer.events.all(ClientEvent.RecordShared.class).isEmpty());

        // the coordinator adds the insurer; a practitioner's device hands the key on
        AdminClient.RecordRecipients now = coordinatorApi.setRecordRecipients(team.id(), recordId,
                List.of("practitioner"), List.of("insurer")).join();
        assertEquals(List.of("cardio", "gp", "insurer"), now.sharedWith());
        assertTrue(gp.client.shareRecordKey(record).join() > 0);
        Attachment atInsurer = shared(insurer, record).record();
        Path insurerCopy = dir.resolve("insurer-letter.pdf");
        insurer.client.fetchAttachment(atInsurer, insurerCopy).join();
        assertArrayEquals(Files.readAllBytes(letter), Files.readAllBytes(insurerCopy));
        assertArrayEquals(ciphertext, Files.readAllBytes(storedBlob), "the stored record was not re-encrypted");
        assertEquals(blobsBefore, blobFiles(), "no blob stored again");

        // the coordinator takes the cardiologist off (by naming the users instead of the role)
        coordinatorApi.setRecordRecipients(team.id(), recordId, List.of(), List.of("insurer")).join();
        assertTrue(failure(() -> cardio.client.fetchAttachment(atCardio, dir.resolve("again")).join())
                .is(ErrorCode.NOT_GRANTED));
        gp.client.fetchAttachment(record, dir.resolve("gp-own")).join(); // its uploader still reads it

        // the insurer leaves the roster: no longer named by the record, and no fetch
        coordinatorApi.removeMember(team.id(), "insurer").join();
        Poll.until("the removed insurer no longer named by the record", Duration.ofSeconds(30),
                () -> coordinatorApi.record(team.id(), recordId).join().users().isEmpty());
        assertEquals(List.of(), coordinatorApi.record(team.id(), recordId).join().users());
        assertTrue(failure(() -> insurer.client.fetchAttachment(atInsurer, dir.resolve("after-removal")).join())
                .is(ErrorCode.FORBIDDEN));

        // the story is in the audit log, by ids only, and its chain verifies
        List<JsonObject> audit = adminApi.exportAudit(team.id()).join().stream().map(JsonObject::new).toList();
        Set<String> types = audit.stream().map(e -> e.getString("type")).collect(Collectors.toSet());
        assertTrue(types.containsAll(Set.of("record_recipients_changed", "record_shared", "record_share_refused",
                "blob_uploaded", "blob_fetched")), types.toString());
        List<JsonObject> changes = audit.stream().filter(e -> e.getString("type").equals("record_recipients_changed"))
                .toList();
        assertEquals(4, changes.size(), "set at upload, insurer added, cardiologist removed, insurer off the roster");
        assertEquals("relay", changes.get(3).getString("actor"));
        JsonObject removal = changes.get(2).getJsonObject("details");
        assertEquals(recordId, removal.getString("record"));
        assertEquals("insurer", removal.getString("users"));
        assertEquals("practitioner", removal.getString("removedRoles"));
        assertEquals("coordinator", changes.get(2).getString("actor"));
        assertEquals("gp", changes.get(0).getString("actor"));
        long shares = audit.stream().filter(e -> e.getString("type").equals("record_shared")).count();
        assertEquals(2, shares);
        relay.stop();
        Path log = relay.dataDir.resolve("audit").resolve("audit.log");
        assertEquals(0, AuditVerify.run(log), "the relay's chain verifies");
        for (String line : Files.readAllLines(log)) {
            assertFalse(line.contains("discharge"), "no file name or team name: " + line);
        }
    }

    /** A party whose client prefers node {@code node} (on a single relay: the relay). */
    private Party partyOn(int node, String user, String device) {
        return e2e.partyOn(node, user, device, b -> b.autoCommitDelay(Duration.ofMillis(600)));
    }

    @ParameterizedTest
    @EnumSource(Relays.Deployment.class)
    void recipientsSetThroughOneNodeAreServedAndChangedThroughOthers(Relays.Deployment deployment) throws Exception {
        Relays relays = e2e.deploy(deployment).relays();
        Path dir = e2e.dir();
        String teamId = relays.createTeam("coordinator");
        relays.addToRoster(teamId, "gp", "practitioner");
        relays.addToRoster(teamId, "cardio", "practitioner");
        relays.addToRoster(teamId, "insurer", "insurer");
        GroupId g = GroupId.ofTeam(teamId);
        Party coordinator = partyOn(0, "coordinator", "desk");
        Party gp = partyOn(1, "gp", "laptop");
        Party cardio = partyOn(2, "cardio", "tablet");
        Party insurer = partyOn(2, "insurer", "office");
        coordinator.client.createGroup(teamId).join();
        for (Party p : List.of(gp, cardio, insurer)) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 60);
        }

        // shared through the second node, fetched through the third
        Path letter = randomFile(dir, "letter.pdf", 150_000, 11);
        Attachment record = gp.client.shareRecord(g, letter, "application/pdf", List.of("practitioner"), List.of())
                .join();
        String recordId = record.blobId().hex();
        Attachment atCardio = shared(cardio, record).record();
        Path got = dir.resolve("cardio-letter.pdf");
        cardio.client.fetchAttachment(atCardio, got).join();
        assertArrayEquals(Files.readAllBytes(letter), Files.readAllBytes(got));
        assertEquals(List.of("cardio", "gp"),
                e2e.admin(0, "coordinator").record(teamId, recordId).join().sharedWith());
        assertTrue(failure(() -> insurer.client.fetchAttachment(record, dir.resolve("insurer-x")).join())
                .is(ErrorCode.NOT_GRANTED), "no recipient yet");

        // the coordinator adds the insurer through the first node; the practitioner's device, on the
        // second, hands the key on; the insurer reads through the third
        e2e.admin(0, "coordinator").setRecordRecipients(teamId, recordId, List.of("practitioner"), List.of("insurer"))
                .join();
        assertTrue(gp.client.shareRecordKey(record).join() > 0);
        Attachment atInsurer = shared(insurer, record).record();
        Path insurerCopy = dir.resolve("insurer-letter.pdf");
        insurer.client.fetchAttachment(atInsurer, insurerCopy).join();
        assertArrayEquals(Files.readAllBytes(letter), Files.readAllBytes(insurerCopy));

        // the cardiologist taken off through the second node: the next fetch through any node is refused
        e2e.admin(1, "coordinator").setRecordRecipients(teamId, recordId, List.of(), List.of("insurer")).join();
        assertTrue(failure(() -> cardio.client.fetchAttachment(atCardio, dir.resolve("again")).join())
                .is(ErrorCode.NOT_GRANTED));
        cardio.stop(); // its device's connection is the probe's, on each node in turn
        List<Integer> ports = e2e.ports();
        for (int port : ports) {
            try (TestDevice raw = TestDevice.connected(e2e.vertx(), port, relays.token("cardio"), "tablet")) {
                raw.error(new Frame.FetchBlob(record.blobId(), 0, 1_000), ErrorCode.NOT_GRANTED);
                raw.error(new Frame.ListRecipients(g.bytes(), record.blobId()), ErrorCode.NOT_GRANTED);
            }
        }

        // the insurer leaves the roster through the first node: no longer named, on every node
        relays.removeFromRoster(teamId, "insurer");
        for (int node = 0; node < ports.size(); node++) {
            AdminClient api = e2e.admin(node, "coordinator");
            Poll.until("the removed insurer no longer named on node " + node, Duration.ofSeconds(30),
                    () -> api.record(teamId, recordId).join().users().isEmpty());
            assertEquals(List.of(), api.record(teamId, recordId).join().users(), "node " + node);
        }
    }
}
