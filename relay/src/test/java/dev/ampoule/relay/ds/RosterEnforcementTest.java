package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.roster.TeamMember;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RecordingAudit;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay as each care team's external sender, over real WebSockets: the relay's Add and Remove
 * proposals, the fence while a roster removal is pending, the roster policy on creations, proposals
 * and commits, archiving, erasure, and a restart in the middle. Members are group-protocol Groups
 * driven by the test, which commits the relay's proposals itself.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RosterEnforcementTest {

    @TempDir
    Path dir;

    final FakeRoster roster = new FakeRoster();
    final RecordingAudit audit = new RecordingAudit();

    RelayHarness start(Vertx vertx) {
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.roster = roster;
        relay.audit = audit;
        return relay.start();
    }

    /** Nothing but non-Deliver frames pushed to the device for a while. */
    static void assertNoDeliver(TestDevice d, long millis) {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            Frame f = d.poll(Math.max(1, end - System.currentTimeMillis()));
            assertFalse(f instanceof Frame.Deliver || f instanceof Frame.WelcomeDelivery, () -> "unexpected " + f);
        }
    }

    static boolean hasEvent(List<AuditEvent> events, String user, Map<String, String> details) {
        return events.stream().anyMatch(e -> e.user().equals(Optional.ofNullable(user))
                && e.details().entrySet().containsAll(details.entrySet()));
    }

    @Test
    void externalSenderIsFetchedPersistedAndListedByATeamGroup(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = start(vertx);
        ExternalSenders.ExternalSender first;
        try (TestDevice d = relay.connect("alice", "phone")) {
            first = CareTeamFixture.externalSender(d);
            assertEquals(new Credential.Basic(ExternalSenderKeys.IDENTITY.getBytes(StandardCharsets.UTF_8)), first.credential());
            assertEquals(first, CareTeamFixture.externalSender(d));
            // suite 3 signs with Ed25519 too, suite 2 with P-256
            Frame.ExternalSenderResult s3 = (Frame.ExternalSenderResult) d.call(new Frame.FetchExternalSender(3));
            assertArrayEquals(first.toBytes(), s3.externalSender().toArray());
            Frame.ExternalSenderResult s2 = (Frame.ExternalSenderResult) d.call(new Frame.FetchExternalSender(2));
            assertNotEquals(Bytes.wrap(first.toBytes()), s2.externalSender());
            for (int suite : new int[] {4, 5, 6, 7}) {
                assertInstanceOf(Frame.ExternalSenderResult.class, d.call(new Frame.FetchExternalSender(suite)));
            }
            d.error(new Frame.FetchExternalSender(0x7a7a), ErrorCode.INVALID_MESSAGE);
        }
        Path keys = dir.resolve(ExternalSenderKeys.DIR_NAME);
        for (String f : List.of("ed25519.key", "p256.key", "ed448.key", "p521.key", "p384.key")) {
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(keys.resolve(f)));
        }
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(keys));

        relay.restart(); // the same keys after a restart
        try (TestDevice d = relay.connect("alice", "phone")) {
            assertEquals(first, CareTeamFixture.externalSender(d));
        }

        // a team's group lists it; the relay proposes the other rostered devices, the creator commits
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-3", "alice#phone", "bob#laptop",
                "bob#phone", "carol#tablet")) {
            assertEquals(4, team.member(0).group.members().size());
            assertEquals(List.of(first), team.member(1).group.publicGroup().externalSenders());
            long hello = team.device(0).ok(team.member(0).message("hello, team"));
            for (int i = 1; i < 4; i++) {
                Frame.Deliver d = team.device(i).next(Frame.Deliver.class);
                assertEquals(hello, d.seq(), "the added devices start after the commit that added them");
                assertEquals(Optional.of("hello, team"), team.member(i).receive(d));
            }
            assertEquals(1, audit.of(AuditType.GROUP_CREATED).size());
            assertEquals(3, audit.of(AuditType.PROPOSAL_SENT).size());
            assertTrue(hasEvent(audit.of(AuditType.KEY_PACKAGE_CLAIMED), "bob", Map.of("devices", "2")));
            assertTrue(audit.of(AuditType.COMMIT_ACCEPTED).stream().anyMatch(e -> e.team().equals(Optional.of("t-ward-3"))
                    && e.actor().equals(Optional.of("alice")) && e.details().get("seq").equals(Long.toString(team.formedSeq))));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void createIsRefusedWithoutTheRelayForOutsidersUnrosteredMembersAndArchivedTeams(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        roster.addTeam("t-create");
        roster.put("t-create", "alice", TeamMember.COORDINATOR);
        Bytes gid = RosterEnforcement.groupIdOf("t-create");
        MlsMember alice = new MlsMember("alice", "phone");
        MlsMember mallory = new MlsMember("mallory", "laptop");
        try (TestDevice a = relay.connect("alice", "phone"); TestDevice m = relay.connect("mallory", "laptop")) {
            Frame.Error e = a.error(alice.create(gid), ErrorCode.INVALID_MESSAGE);
            assertTrue(e.detail().contains(RosterRule.EXTERNAL_SENDER_REQUIRED.name()), e.detail());

            ExternalSenders.ExternalSender relaySender = CareTeamFixture.externalSender(a);
            ExternalSenders.ExternalSender impostor = new ExternalSenders.ExternalSender(
                    MlsMember.SUITE.generateSignatureKeyPair().publicKey(), relaySender.credential());
            e = a.error(alice.create(gid, List.of(new ExternalSenders(List.of(relaySender, impostor)).toExtension())),
                    ErrorCode.INVALID_MESSAGE);
            assertTrue(e.detail().contains(RosterRule.FOREIGN_EXTERNAL_SENDER.name()), e.detail());

            m.error(mallory.create(gid, CareTeamFixture.relayAsExternalSender(m)), ErrorCode.FORBIDDEN);

            // alice's group already holding mallory's device
            m.ok(new Frame.PublishKeyPackages(mallory.keyPackages(1, false), false));
            alice.create(gid, CareTeamFixture.relayAsExternalSender(a));
            Frame.KeyPackages kp = (Frame.KeyPackages) a.call(new Frame.ClaimKeyPackages("mallory", Optional.empty(), 1));
            alice.group.commit(CommitOptions.builder().add(MlsMember.keyPackage(kp.entries().get(0).keyPackage())).build());
            alice.group.mergePendingCommit();
            e = a.error(new Frame.CreateGroup(gid, MlsMember.bytes(new MlsMessage.OfGroupInfo(alice.group.groupInfo(true))),
                    Optional.empty()), ErrorCode.INVALID_MESSAGE);
            assertTrue(e.detail().contains(RosterRule.MEMBER_NOT_ROSTERED.name()), e.detail());

            roster.archive("t-create");
            a.error(alice.create(gid, CareTeamFixture.relayAsExternalSender(a)), ErrorCode.FORBIDDEN);

            // ad hoc groups are allowed until the relay is configured otherwise
            assertEquals(0, a.ok(alice.create(Bytes.ofHex("ad0c01"))));
        }
        relay.config.put("adHocGroups", false);
        relay.restart();
        try (TestDevice a = relay.connect("alice", "phone")) {
            a.error(alice.create(Bytes.ofHex("ad0c02")), ErrorCode.FORBIDDEN);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void removalCutsOffFencesAndTheCommitThatIncludesItLiftsTheFence(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-5", "alice#phone", "bob#laptop",
                "carol#tablet")) {
            TestDevice carol = team.device(2);
            long before = team.send(0, "before the removal");
            assertEquals(Optional.of("before the removal"), team.read(1));
            assertEquals(Optional.of("before the removal"), team.read(2));
            Frame.SendApplication bobsEarly = team.member(1).message("sent during the fence");
            Frame.SendApplication carolsLate = team.member(2).message("carol after her removal");

            team.removeFromRoster("carol");
            assertTrue(team.fenced());
            // the others get the relay's Remove proposal for carol's leaf
            int carolLeaf = team.member(2).group.ownLeafIndex();
            for (int i = 0; i < 2; i++) {
                Frame.Deliver d = team.device(i).next(Frame.Deliver.class);
                assertTrue(d.seq() > before);
                Processed.ProposalMessage p = assertInstanceOf(Processed.ProposalMessage.class,
                        team.member(i).group.process(MlsMessage.fromBytes(d.message().toArray())));
                assertEquals(new RemoveProposal(carolLeaf), p.proposal().proposal());
                team.device(i).ok(new Frame.AckGroup(team.groupId, d.seq()));
            }
            assertTrue(hasEvent(audit.of(AuditType.PROPOSAL_SENT), "carol", Map.of("kind", "remove")));
            // carol can no longer send, and receives nothing
            carol.error(carolsLate, ErrorCode.FORBIDDEN);
            assertNoDeliver(carol, 300);

            Frame.Error fenced = team.device(1).error(bobsEarly, ErrorCode.GROUP_FENCED);
            assertTrue(fenced.retryAfterMillis() > 0);

            // a commit that leaves the removal out is refused
            Frame.Error omitted = team.device(0).error(team.member(0).commit(CommitOptions.builder()
                    .includePendingProposals(false).forcePath(true)), ErrorCode.INVALID_MESSAGE);
            assertTrue(omitted.detail().contains(RosterRule.REMOVAL_OMITTED.name()), omitted.detail());
            team.member(0).group.discardPendingCommit();
            assertTrue(team.fenced());
            assertTrue(hasEvent(audit.of(AuditType.COMMIT_REFUSED), null, Map.of("code", "INVALID_MESSAGE")));

            // the commit that includes it lands and lifts the fence
            long removal = team.commit(0, CommitOptions.builder());
            assertFalse(team.fenced());
            assertEquals(2, team.member(0).group.members().size());
            Frame.Deliver c = team.receive(1);
            assertEquals(removal, c.seq());
            long retried = team.device(1).ok(team.member(1).message("sent during the fence"));
            assertEquals(Optional.of("sent during the fence"), team.read(0));
            assertTrue(retried > removal);
            assertNoDeliver(carol, 300);
            assertTrue(audit.of(AuditType.COMMIT_ACCEPTED).stream()
                    .anyMatch(e -> e.details().get("seq").equals(Long.toString(removal))));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void additionSendsExternalAddsAndTheCommitByReferenceWelcomesTheDevices(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        MlsMember dave = new MlsMember("dave", "phone");
        MlsMember erin = new MlsMember("erin", "pad");
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-7", "alice#phone", "bob#laptop");
                TestDevice daveDevice = relay.connect("dave", "phone");
                TestDevice erinDevice = relay.connect("erin", "pad")) {
            daveDevice.ok(new Frame.PublishKeyPackages(dave.keyPackages(2, false), false));
            team.addToRoster("dave", "pharmacist");
            team.receiveProposals(0, 1);
            team.receiveProposals(1, 1);
            assertTrue(hasEvent(audit.of(AuditType.KEY_PACKAGE_CLAIMED), "dave", Map.of("devices", "1")));
            assertTrue(hasEvent(audit.of(AuditType.PROPOSAL_SENT), "dave", Map.of("kind", "add", "device", "phone")));

            long added = team.commit(0, CommitOptions.builder());
            assertEquals(3, team.member(0).group.members().size());
            Frame.WelcomeDelivery w = daveDevice.next(Frame.WelcomeDelivery.class);
            assertEquals(added, w.groupSeq());
            dave.join(w, (Frame.GroupInfoResult) daveDevice.call(new Frame.FetchGroupInfo(team.groupId)));
            daveDevice.ok(new Frame.AckMailbox(w.mailboxSeq()));
            team.receive(1);
            long hello = team.device(1).ok(team.member(1).message("welcome, dave"));
            Frame.Deliver d = daveDevice.next(Frame.Deliver.class);
            assertEquals(hello, d.seq(), "dave receives from the commit that added him on");
            assertEquals(Optional.of("welcome, dave"), dave.receive(d));
            assertEquals(Optional.of("welcome, dave"), team.read(0));

            // erin has no KeyPackage yet: nothing is proposed until she publishes some
            team.addToRoster("erin", "patient");
            assertNoDeliver(team.device(0), 300);
            erinDevice.ok(new Frame.PublishKeyPackages(erin.keyPackages(1, false), false));
            team.receiveProposals(0, 1);
            long erinAdded = team.commit(0, CommitOptions.builder());
            Frame.WelcomeDelivery ew = erinDevice.next(Frame.WelcomeDelivery.class);
            assertEquals(erinAdded, ew.groupSeq());
            erin.join(ew, (Frame.GroupInfoResult) erinDevice.call(new Frame.FetchGroupInfo(team.groupId)));
            assertEquals(4, erin.group.members().size());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aUserPutBackOnTheRosterBeforeTheRemovalLandsIsAddedAfterIt(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-17", "alice#phone", "bob#laptop",
                "carol#tablet")) {
            team.removeFromRoster("carol");
            team.receiveProposals(0, 1);
            team.addToRoster("carol", "pharmacist");
            assertTrue(team.fenced(), "the removal still has to land");
            assertNoDeliver(team.device(0), 300);
            long removal = team.commit(0, CommitOptions.builder());
            assertFalse(team.fenced());
            // then the relay proposes her device again (with the KeyPackage she has left)
            team.receiveProposals(0, 1);
            long readded = team.commit(0, CommitOptions.builder());
            assertTrue(readded > removal);
            team.join(2);
            assertEquals(3, team.member(2).group.members().size());
            long hello = team.send(0, "welcome back, carol");
            Frame.Deliver d = team.device(2).next(Frame.Deliver.class);
            assertEquals(hello, d.seq(), "nothing of the time she was off the roster");
            assertEquals(Optional.of("welcome back, carol"), team.member(2).receive(d));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void proposalsAndCommitsAddingAnUnrosteredUserAreRefused(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        MlsMember mallory = new MlsMember("mallory", "laptop");
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-9", "alice#phone", "bob#laptop");
                TestDevice m = relay.connect("mallory", "laptop")) {
            m.ok(new Frame.PublishKeyPackages(mallory.keyPackages(2, false), false));
            List<Frame.KeyPackageEntry> kps = new java.util.ArrayList<>();
            for (int k = 0; k < 2; k++) {
                Frame f = team.device(0).call(new Frame.ClaimKeyPackages("mallory", Optional.empty(), 1));
                kps.add(assertInstanceOf(Frame.KeyPackages.class, f, () -> "got " + f).entries().get(0));
            }
            Frame.Error e = team.device(0).error(team.member(0).commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(kps.get(0).keyPackage()))), ErrorCode.INVALID_MESSAGE);
            assertTrue(e.detail().contains(RosterRule.ADD_NOT_ROSTERED.name()), e.detail());
            team.member(0).group.discardPendingCommit();
            assertTrue(hasEvent(audit.of(AuditType.COMMIT_REFUSED), null, Map.of("code", "INVALID_MESSAGE", "device", "phone")));

            e = team.device(1).error(new Frame.SendProposal(team.groupId, MlsMember.bytes(
                    team.member(1).group.proposeAdd(MlsMember.keyPackage(kps.get(1).keyPackage())))),
                    ErrorCode.INVALID_MESSAGE);
            assertTrue(e.detail().contains(RosterRule.ADD_NOT_ROSTERED.name()), e.detail());
            // on the roster, a commit adding her by value goes through
            team.roster.put(team.teamId, "mallory", "insurer");
            team.commit(0, CommitOptions.builder().includePendingProposals(false).forcePath(true)
                    .add(MlsMember.keyPackage(kps.get(0).keyPackage())));
            assertEquals(3, team.member(0).group.members().size());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void fenceAndPendingRemovalSurviveARestart(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-11", "alice#phone", "bob#laptop",
                "carol#tablet");
        Frame.SendApplication bobsEarly = team.member(1).message("queued by bob");
        team.removeFromRoster("carol");
        team.receiveProposals(0, 1);
        team.receiveProposals(1, 1);
        team.close();

        relay.restart();
        try (TestDevice alice = relay.connect("alice", "phone"); TestDevice bob = relay.connect("bob", "laptop");
                TestDevice carol = relay.connect("carol", "tablet")) {
            team.devices.set(0, alice);
            team.devices.set(1, bob);
            assertTrue(team.fenced());
            assertEquals(java.util.Set.of("carol"), await(relay.verticle().onContext(
                    ds -> Future.succeededFuture(ds.enforcement().pendingRemovals(team.groupId)))));
            bob.error(bobsEarly, ErrorCode.GROUP_FENCED);
            carol.error(new Frame.SendApplication(team.groupId, bobsEarly.message()), ErrorCode.FORBIDDEN);
            Frame.Error omitted = alice.error(team.member(0).commit(CommitOptions.builder()
                    .includePendingProposals(false).forcePath(true)), ErrorCode.INVALID_MESSAGE);
            assertTrue(omitted.detail().contains(RosterRule.REMOVAL_OMITTED.name()), omitted.detail());
            team.member(0).group.discardPendingCommit();
            // the relay's proposal, replayed into its view, is committed by reference
            long removal = team.commit(0, CommitOptions.builder());
            assertFalse(team.fenced());
            assertEquals(removal, team.receive(1).seq());
            bob.ok(team.member(1).message("after the removal"));
            assertEquals(Optional.of("after the removal"), team.read(0));
            assertNoDeliver(carol, 300);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void erasureDropsKeyPackagesAndMailboxesButKeepsOthersMessages(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        MlsMember carolPad = new MlsMember("carol", "pad");
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-13", "alice#phone", "bob#laptop",
                "carol#tablet")) {
            team.device(1).close(); // bob is offline from here
            long m1 = team.send(0, "while bob is away");
            team.removeFromRoster("carol");
            // her other device's KeyPackages (published while she was rostered, it would be proposed)
            try (TestDevice pad = relay.connect("carol", "pad")) {
                pad.ok(new Frame.PublishKeyPackages(carolPad.keyPackages(3, false), false));
            }
            await(relay.verticle().onContext(ds -> ds.enforcement().userErased("carol")));
            team.device(0).error(new Frame.ClaimKeyPackages("carol", Optional.empty(), 1), ErrorCode.NO_KEY_PACKAGE);

            // the removal is committed as usual
            team.receiveProposals(0, 1);
            long removal = team.commit(0, CommitOptions.builder());
            assertFalse(team.fenced());

            // bob gets everything the others sent while he was away
            try (TestDevice bob = relay.connect("bob", "laptop")) {
                team.devices.set(1, bob);
                Frame.Deliver d = bob.next(Frame.Deliver.class);
                assertEquals(m1, d.seq());
                assertEquals(Optional.of("while bob is away"), team.member(1).receive(d));
                Frame.Deliver p = bob.next(Frame.Deliver.class);
                team.member(1).receive(p);
                assertEquals(removal, bob.next(Frame.Deliver.class).seq());
            }
            assertTrue(audit.of(AuditType.PROPOSAL_SENT).stream().anyMatch(e -> e.user().equals(Optional.of("carol"))));
            relay.restart();
            try (TestDevice a = relay.connect("alice", "phone"); TestDevice pad = relay.connect("carol", "pad");
                    TestDevice tablet = relay.connect("carol", "tablet")) {
                a.error(new Frame.ClaimKeyPackages("carol", Optional.empty(), 1), ErrorCode.NO_KEY_PACKAGE);
                assertNoDeliver(tablet, 300);
                assertNoDeliver(pad, 100);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void anArchivedTeamsGroupTakesNoMoreMessagesOrCommits(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-ward-15", "alice#phone", "bob#laptop")) {
            team.device(0).ok(team.member(0).message("last words"));
            roster.archive(team.teamId);
            await(relay.verticle().onContext(ds -> ds.enforcement().teamArchived(team.team())));
            team.device(1).error(team.member(1).message("too late"), ErrorCode.FORBIDDEN);
            team.device(0).error(team.member(0).commit(CommitOptions.builder().forcePath(true)), ErrorCode.FORBIDDEN);
            team.member(0).group.discardPendingCommit();
            assertEquals(Optional.of("last words"), team.read(1));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
