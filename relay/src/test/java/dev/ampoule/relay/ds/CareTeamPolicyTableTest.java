package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.ExternalJoin;
import dev.ampoule.mls.group.ExternalJoinOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.relay.protocol.Bytes;
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
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PROTOCOL.md "Care-team groups", the table of who may change a care team's group: one invocation
 * per row (its number), through the real relay over WebSockets. Rows whose refusal needs a leaf with
 * a new signature key (6, 7) and the relay's own ReInit/GroupContextExtensions/PreSharedKey (14,
 * which the relay never makes) are decided by {@link CareTeamPolicy} as {@link CareTeamPolicyTest}
 * shows; here their accepted side runs end to end.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CareTeamPolicyTableTest {

    @TempDir
    Path dir;

    final FakeRoster roster = new FakeRoster();

    /** A team "t-row" with coord (coordinator), pat (patient), doc (practitioner) on the roster. */
    RelayHarness start(Vertx vertx) {
        roster.addTeam("t-row");
        roster.put("t-row", "coord", TeamMember.COORDINATOR);
        roster.put("t-row", "pat", "patient");
        roster.put("t-row", "doc", "practitioner");
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.roster = roster;
        return relay.start();
    }

    CareTeamFixture form(RelayHarness relay) {
        return CareTeamFixture.formGroup(relay, roster, "t-row", "coord#desk", "pat#phone", "doc#tablet");
    }

    static void assertRule(Frame.Error e, RosterRule rule) {
        assertTrue(e.detail().contains(rule.name()), e.detail());
    }

    @ParameterizedTest(name = "row {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
    void row(int row, Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx);
        try {
            switch (row) {
                case 1, 5 -> {
                    // a coordinator creates the group; the relay's Adds bring the others (committed by reference)
                    try (CareTeamFixture team = form(relay)) {
                        assertEquals(3, team.member(0).group.members().size());
                        assertEquals(3, team.held().devices().size());
                    }
                }
                case 2 -> {
                    MlsMember doc = new MlsMember("doc", "tablet");
                    MlsMember outsider = new MlsMember("eve", "pc");
                    try (TestDevice d = relay.connect("doc", "tablet"); TestDevice e = relay.connect("eve", "pc")) {
                        d.ok(new Frame.PublishKeyPackages(doc.keyPackages(1, false), false));
                        e.ok(new Frame.PublishKeyPackages(outsider.keyPackages(1, false), false));
                        d.error(doc.create(gid(), CareTeamFixture.relayAsExternalSender(d)), ErrorCode.FORBIDDEN);
                        e.error(outsider.create(gid(), CareTeamFixture.relayAsExternalSender(e)), ErrorCode.FORBIDDEN);
                    }
                }
                case 3 -> row3(relay);
                case 4 -> row4(relay);
                case 6 -> {
                    // an Update with the same signature key, proposed and committed by reference by another member
                    try (CareTeamFixture team = form(relay)) {
                        Frame.SendProposal update = new Frame.SendProposal(team.groupId,
                                MlsMember.bytes(team.member(1).group.proposeUpdate()));
                        team.device(1).ok(update);
                        team.receiveProposals(0, 1);
                        team.commit(0, CommitOptions.builder());
                    }
                }
                case 7 -> {
                    try (CareTeamFixture team = form(relay)) {
                        team.commit(1, CommitOptions.builder().forcePath(true)); // the patient refreshes its path
                    }
                }
                case 8 -> {
                    try (CareTeamFixture team = form(relay)) {
                        int docLeaf = team.leafOf(1, "doc#tablet");
                        assertRule(team.device(1).error(team.member(1).commit(CommitOptions.builder().remove(docLeaf)),
                                ErrorCode.INVALID_MESSAGE), RosterRule.REMOVE_NOT_ALLOWED);
                        team.member(1).group.discardPendingCommit();
                        assertRule(team.device(1).error(new Frame.SendProposal(team.groupId,
                                MlsMember.bytes(team.member(1).group.proposeRemove(docLeaf))), ErrorCode.INVALID_MESSAGE),
                                RosterRule.REMOVE_NOT_ALLOWED);
                    }
                }
                case 9 -> {
                    // doc removes his own laptop; its KeyPackages are withdrawn
                    try (CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-row", "coord#desk",
                            "doc#tablet", "doc#laptop")) {
                        int laptop = team.leafOf(1, "doc#laptop");
                        team.commit(1, CommitOptions.builder().remove(laptop));
                        assertTrue(!team.held().devices().contains(team.member(2).id));
                        team.device(0).error(new Frame.ClaimKeyPackages("doc", Optional.of("laptop"), 1),
                                ErrorCode.NO_KEY_PACKAGE);
                    }
                }
                case 10 -> {
                    try (CareTeamFixture team = form(relay)) {
                        team.removeFromRoster("pat");
                        team.receiveProposals(0, 1);
                        team.commit(0, CommitOptions.builder());
                        assertEquals(2, team.held().devices().size());
                    }
                }
                case 11 -> {
                    try (CareTeamFixture team = form(relay)) {
                        MlsMessage reInit = team.member(2).group.proposeReInit("t-row".getBytes(StandardCharsets.UTF_8),
                                CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, List.of());
                        assertRule(team.device(2).error(new Frame.SendProposal(team.groupId, MlsMember.bytes(reInit)),
                                ErrorCode.INVALID_MESSAGE), RosterRule.REINIT_NOT_ALLOWED);
                    }
                }
                case 12 -> {
                    try (CareTeamFixture team = form(relay)) {
                        assertRule(team.device(0).error(team.member(0).commit(CommitOptions.builder()
                                .groupContextExtensions(CareTeamFixture.relayAsExternalSender(team.device(0)))),
                                ErrorCode.INVALID_MESSAGE), RosterRule.GROUP_CONTEXT_EXTENSIONS_NOT_ALLOWED);
                        team.member(0).group.discardPendingCommit();
                    }
                }
                case 13 -> {
                    try (CareTeamFixture team = form(relay)) {
                        Group g = team.member(1).group;
                        long epoch = g.retainedResumptionEpochs().get(0);
                        assertRule(team.device(1).error(new Frame.SendProposal(team.groupId,
                                MlsMember.bytes(g.proposeResumptionPsk(epoch))), ErrorCode.INVALID_MESSAGE),
                                RosterRule.PSK_NOT_ALLOWED);
                    }
                }
                case 14 -> {
                    // the relay makes no ReInit, GroupContextExtensions or PreSharedKey: its proposals of the
                    // group so far are Adds only, and the group stays usable
                    try (CareTeamFixture team = form(relay)) {
                        assertEquals(Optional.of("from the relay's group"), Optional.of(read(team)));
                    }
                }
                case 15 -> row15(relay);
                case 16 -> {
                    try (CareTeamFixture team = form(relay)) {
                        byte[] bytes = MlsMember.bytes(team.member(1).group.proposeUpdate()).toArray();
                        // MLSMessage (4) | group_id<V> | epoch (8) | sender (5) | authenticated_data<V> (1) | content_type (1)
                        int at = 4 + 1 + team.groupId.length() + 8 + 5 + 1 + 1;
                        assertEquals(2, bytes[at + 1], "the proposal type of an Update");
                        bytes[at] = (byte) 0xf0; // a custom proposal type
                        Frame.Error e = team.device(1).error(new Frame.SendProposal(team.groupId, Bytes.wrap(bytes)),
                                ErrorCode.INVALID_MESSAGE);
                        assertTrue(e.detail().contains("malformed"), e.detail());
                    }
                }
                case 17 -> {
                    try (CareTeamFixture team = form(relay)) {
                        roster.archive("t-row");
                        await(relay.verticle().onContext(ds -> ds.enforcement().teamArchived(team.team())));
                        team.device(1).error(new Frame.SendProposal(team.groupId,
                                MlsMember.bytes(team.member(1).group.proposeUpdate())), ErrorCode.FORBIDDEN);
                        team.device(0).error(team.member(0).commit(CommitOptions.builder().forcePath(true)),
                                ErrorCode.FORBIDDEN);
                        team.member(0).group.discardPendingCommit();
                    }
                }
                default -> throw new AssertionError("no row " + row);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    private static Bytes gid() {
        return RosterEnforcement.groupIdOf("t-row");
    }

    private static String read(CareTeamFixture team) {
        team.send(0, "from the relay's group");
        return team.read(1).orElseThrow();
    }

    /** A leaf of an unrostered user, or with a key its device never registered, in the tree at creation. */
    private void row3(RelayHarness relay) {
        MlsMember coord = new MlsMember("coord", "desk");
        MlsMember eve = new MlsMember("eve", "pc");
        MlsMember forged = new MlsMember("doc", "tablet");
        try (TestDevice c = relay.connect("coord", "desk"); TestDevice e = relay.connect("eve", "pc")) {
            c.ok(new Frame.PublishKeyPackages(coord.keyPackages(1, false), false));
            e.ok(new Frame.PublishKeyPackages(eve.keyPackages(1, false), false));
            for (MlsMember other : List.of(eve, forged)) {
                coord.create(gid(), CareTeamFixture.relayAsExternalSender(c));
                coord.group.commit(CommitOptions.builder()
                        .add(MlsMember.keyPackage(other.keyPackage(Duration.ofDays(1), false))).build());
                coord.group.mergePendingCommit();
                Frame.Error err = c.error(new Frame.CreateGroup(gid(),
                        MlsMember.bytes(new MlsMessage.OfGroupInfo(coord.group.groupInfo(true))), Optional.empty()),
                        ErrorCode.INVALID_MESSAGE);
                assertRule(err, other == eve ? RosterRule.MEMBER_NOT_ROSTERED : RosterRule.KEY_NOT_REGISTERED);
            }
        }
    }

    /** A member's Add: accepted with a KeyPackage the device published; refused forged or unrostered. */
    private void row4(RelayHarness relay) {
        MlsMember laptop = new MlsMember("doc", "laptop");
        MlsMember eve = new MlsMember("eve", "pc");
        try (CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-row", "coord#desk", "pat#phone");
                TestDevice e = relay.connect("eve", "pc")) {
            e.ok(new Frame.PublishKeyPackages(eve.keyPackages(1, false), false));
            Frame.KeyPackages evesKp = (Frame.KeyPackages) team.device(0).call(
                    new Frame.ClaimKeyPackages("eve", Optional.empty(), 1));
            assertRule(team.device(1).error(team.member(1).commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(evesKp.entries().get(0).keyPackage()))), ErrorCode.INVALID_MESSAGE),
                    RosterRule.ADD_NOT_ROSTERED);
            team.member(1).group.discardPendingCommit();
            assertRule(team.device(1).error(team.member(1).commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(laptop.keyPackage(Duration.ofDays(1), false)))), ErrorCode.INVALID_MESSAGE),
                    RosterRule.KEY_NOT_REGISTERED);
            team.member(1).group.discardPendingCommit();

            // doc's laptop publishes (the relay proposes it too); the patient adds it by value instead
            try (TestDevice d = relay.connect("doc", "laptop")) {
                d.ok(new Frame.PublishKeyPackages(laptop.keyPackages(2, false), false));
                team.receiveProposals(1, 1);
                Frame.KeyPackages kp = (Frame.KeyPackages) team.device(1).call(
                        new Frame.ClaimKeyPackages("doc", Optional.of("laptop"), 1));
                team.commit(1, CommitOptions.builder().includePendingProposals(false)
                        .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage())));
                assertTrue(team.held().devices().contains(laptop.id));
            }
        }
    }

    /** External commit: another device of doc, with a registered key; refused with a key it never registered. */
    private void row15(RelayHarness relay) {
        MlsMember laptop = new MlsMember("doc", "laptop");
        try (CareTeamFixture team = form(relay); TestDevice d = relay.connect("doc", "laptop")) {
            // not registered yet: refused
            Frame.SendCommit unregistered = externalJoin(team, d, laptop);
            assertRule(d.error(unregistered, ErrorCode.INVALID_MESSAGE), RosterRule.KEY_NOT_REGISTERED);
            // a device of a user with no device in the group may not join
            MlsMember eve = new MlsMember("eve", "pc");
            try (TestDevice e = relay.connect("eve", "pc")) {
                e.error(new Frame.FetchGroupInfo(team.groupId), ErrorCode.FORBIDDEN);
            }
            // registered (it publishes one last-resort KeyPackage, which the relay proposes: the join comes first)
            d.ok(new Frame.PublishKeyPackages(List.of(laptop.keyPackage(Duration.ofDays(1), true)), true));
            team.receiveProposals(0, 1);
            Frame.SendCommit join = externalJoin(team, d, laptop);
            long seq = d.ok(join);
            assertTrue(seq > 0);
            assertTrue(team.held().devices().contains(laptop.id));
        }
    }

    private static Frame.SendCommit externalJoin(CareTeamFixture team, TestDevice d, MlsMember m) {
        Frame.GroupInfoResult info = (Frame.GroupInfoResult) d.call(new Frame.FetchGroupInfo(team.groupId));
        GroupInfo gi = ((MlsMessage.OfGroupInfo) MlsMessage.fromBytes(info.groupInfo().toArray())).groupInfo();
        ExternalJoin join = Group.joinExternal(PublicGroupView.CONFIG, gi,
                Optional.of(RatchetTree.decode(MlsMember.SUITE, info.ratchetTree().toArray())), m.credential, m.keys,
                ExternalJoinOptions.defaults());
        join.group().mergePendingCommit(); // a refused join is thrown away with its group
        m.group = join.group();
        return new Frame.SendCommit(team.groupId, MlsMember.bytes(join.commit()), Optional.empty(),
                MlsMember.bytes(new MlsMessage.OfGroupInfo(m.group.groupInfo(true))));
    }
}
