package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.roster.TeamMember;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member of a care team who attacks it from inside, with a valid token of their own and an MLS
 * library: impersonating a clinician, ejecting one, killing the team's group. The relay refuses each
 * attempt, changes nothing, and the other members carry on.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CareTeamAttackTest {

    @TempDir
    Path dir;

    final FakeRoster roster = new FakeRoster();

    RelayHarness start(Vertx vertx) {
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.roster = roster;
        return relay.start();
    }

    /** Team {@code teamId}: a coordinator, a patient and a practitioner (doc) on the roster. */
    void rosterOf(String teamId) {
        roster.addTeam(teamId);
        roster.put(teamId, "coord", TeamMember.COORDINATOR);
        roster.put(teamId, "pat", "patient");
        roster.put(teamId, "doc", "practitioner");
    }

    static void assertRule(Frame.Error e, Enum<?> rule) {
        assertTrue(e.detail().contains(rule.name()), e.detail());
    }

    /** The members (all but {@code except}) still talk: each sends one message the others read. */
    static void stillTalking(CareTeamFixture team, int... senders) {
        for (int s : senders) {
            String text = "still here, from " + s;
            team.send(s, text);
            for (int r = 0; r < team.members.size(); r++) {
                if (r != s) {
                    assertEquals(Optional.of(text), team.read(r));
                }
            }
        }
    }

    @Test
    void onlyACoordinatorCreatesTheGroupAndEveryLeafOfItsTreeHasARegisteredKey(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        rosterOf("t-imp");
        MlsMember patient = new MlsMember("pat", "phone");
        try (TestDevice p = relay.connect("pat", "phone")) {
            p.ok(new Frame.PublishKeyPackages(patient.keyPackages(1, false), false));
            // only a coordinator creates the team's group
            p.error(patient.create(RosterEnforcement.groupIdOf("t-imp"), CareTeamFixture.relayAsExternalSender(p)),
                    ErrorCode.FORBIDDEN);
        }
        // a coordinator cannot put a leaf of a device in the tree with a key the device never registered
        MlsMember coordinator = new MlsMember("coord", "desk");
        try (TestDevice c = relay.connect("coord", "desk")) {
            Frame.Error e = c.error(coordinator.create(RosterEnforcement.groupIdOf("t-imp"),
                    CareTeamFixture.relayAsExternalSender(c)), ErrorCode.INVALID_MESSAGE);
            assertRule(e, RosterRule.KEY_NOT_REGISTERED); // its own key: it published no KeyPackage
        }

        ctx.completeNow();
        relay.stop();
    }

    @Test
    void aPatientCannotImpersonateAClinician(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        rosterOf("t-imp");
        MlsMember forged = new MlsMember("doc", "laptop"); // made by the patient, with keys of their own
        try (CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-imp", "coord#desk", "pat#phone")) {
            CareTeamFixture.Held before = team.held();
            // the patient adds "doc#laptop" by value, with a KeyPackage it made itself
            Frame.SendCommit add = team.member(1).commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(forged.keyPackage(java.time.Duration.ofDays(1), false))));
            Frame.Error e = team.device(1).error(add, ErrorCode.INVALID_MESSAGE);
            assertRule(e, RosterRule.KEY_NOT_REGISTERED);
            team.member(1).group.discardPendingCommit();
            // by proposal too
            e = team.device(1).error(new Frame.SendProposal(team.groupId, MlsMember.bytes(team.member(1).group
                    .proposeAdd(MlsMember.keyPackage(forged.keyPackage(java.time.Duration.ofDays(1), false))))),
                    ErrorCode.INVALID_MESSAGE);
            assertRule(e, RosterRule.KEY_NOT_REGISTERED);
            assertEquals(before, team.held());

            // the real doctor's device is proposed once it publishes KeyPackages
            MlsMember doc = new MlsMember("doc", "tablet");
            TestDevice d = relay.connect("doc", "tablet");
            team.members.add(doc);
            team.devices.add(d);
            d.ok(new Frame.PublishKeyPackages(doc.keyPackages(1, false), false));
            team.receiveProposals(0, 1);
            team.receiveProposals(1, 1);
            team.commit(0, CommitOptions.builder());
            team.join(2);
            team.receive(1);
            stillTalking(team, 0, 1, 2);
            assertFalse(team.member(0).group.members().stream()
                    .anyMatch(m -> PublicGroupView.deviceOf(m.credential()).orElseThrow().deviceId().equals("laptop")));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aPatientCannotEjectAClinician(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        rosterOf("t-eject");
        try (CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-eject", "coord#desk", "pat#phone",
                "doc#tablet")) {
            CareTeamFixture.Held before = team.held();
            int docLeaf = team.leafOf(1, "doc#tablet");
            Frame.Error e = team.device(1).error(team.member(1).commit(CommitOptions.builder().remove(docLeaf)),
                    ErrorCode.INVALID_MESSAGE);
            assertRule(e, RosterRule.REMOVE_NOT_ALLOWED);
            team.member(1).group.discardPendingCommit();
            e = team.device(1).error(new Frame.SendProposal(team.groupId,
                    MlsMember.bytes(team.member(1).group.proposeRemove(docLeaf))), ErrorCode.INVALID_MESSAGE);
            assertRule(e, RosterRule.REMOVE_NOT_ALLOWED);
            assertEquals(before, team.held());
            stillTalking(team, 0, 2);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aPatientCannotKillTheTeamsGroup(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        rosterOf("t-kill");
        try (CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-kill", "coord#desk", "pat#phone",
                "doc#tablet")) {
            CareTeamFixture.Held before = team.held();
            MlsMessage reInit = team.member(1).group.proposeReInit("t-kill".getBytes(StandardCharsets.UTF_8),
                    CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, List.of());
            Frame.Error e = team.device(1).error(new Frame.SendProposal(team.groupId, MlsMember.bytes(reInit)),
                    ErrorCode.INVALID_MESSAGE);
            assertRule(e, RosterRule.REINIT_NOT_ALLOWED);
            // its Commit: the relay never accepted the proposal it names
            team.device(1).error(team.member(1).commit(CommitOptions.builder()), ErrorCode.INVALID_MESSAGE);
            team.member(1).group.discardPendingCommit();
            assertEquals(before, team.held());

            // a GroupContextExtensions change, by value in a Commit or proposed
            Frame.Error gce = team.device(2).error(team.member(2).commit(CommitOptions.builder()
                    .groupContextExtensions(List.copyOf(team.member(2).group.groupContext().extensions()))),
                    ErrorCode.INVALID_MESSAGE);
            assertRule(gce, RosterRule.GROUP_CONTEXT_EXTENSIONS_NOT_ALLOWED);
            team.member(2).group.discardPendingCommit();
            gce = team.device(2).error(new Frame.SendProposal(team.groupId, MlsMember.bytes(team.member(2).group
                    .proposeGroupContextExtensions(List.of()))), ErrorCode.INVALID_MESSAGE);
            assertRule(gce, RosterRule.GROUP_CONTEXT_EXTENSIONS_NOT_ALLOWED);
            assertEquals(before, team.held());
            stillTalking(team, 0);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
