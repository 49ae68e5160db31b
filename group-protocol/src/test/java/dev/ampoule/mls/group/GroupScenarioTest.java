package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.KeyPackage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Groups of 2, 10 and 100 members through adds, updates, removes, an external join and PSKs: after
 * every Commit every member has the same epoch authenticator, a Delivery Service's {@link
 * PublicGroup} tracks the same GroupContext, removed members cannot decrypt what follows, members
 * added at epoch n cannot decrypt anything sent before, and a member restored from its saved state
 * carries on.
 */
class GroupScenarioTest {

    private static final byte[] PSK_ID = utf8("team-psk");
    private static final GroupConfig SCENARIO_CONFIG = CONFIG.toBuilder()
            .pskLookup(PskLookup.of(List.of(new PskLookup.ExternalPsk(PSK_ID, Secret.copyOf(utf8("shared secret"))))))
            .build();

    /** The members, the removed ones, and the relay's public view. */
    private static final class World {
        final List<Group> active = new ArrayList<>();
        final List<Group> removed = new ArrayList<>();
        final Map<KeyPackage, KeyPackageBundle> bundles = new HashMap<>();
        final List<MlsMessage> history = new ArrayList<>();
        PublicGroup relay;
        int commits;
        int restores;

        /** A newcomer reads nothing of what was said before it joined. */
        Group newcomer(Group joined) {
            for (MlsMessage earlier : history) {
                assertThrows(ValidationException.class, () -> joined.process(wire(earlier)));
            }
            return joined;
        }

        KeyPackage newClient(String name) {
            KeyPackageBundle b = keyPackage(name);
            bundles.put(b.keyPackage(), b);
            return b.keyPackage();
        }

        void proposal(Group sender, MlsMessage proposal) {
            relay.processProposal(((MlsMessage.OfPublicMessage) proposal).message());
            for (Group g : active) {
                if (g != sender) {
                    assertInstanceOf(Processed.ProposalMessage.class, g.process(wire(proposal)));
                }
            }
        }

        /** Commits with {@code committer}, delivers to everyone, joins the added members, checks. */
        PendingCommit commit(Group committer, CommitOptions options) {
            PendingCommit pending = committer.commit(options);
            relay.merge(relay.stageCommit(((MlsMessage.OfPublicMessage) pending.commit()).message()));
            List<Group> stillActive = new ArrayList<>();
            for (Group g : active) {
                if (g == committer) {
                    continue;
                }
                StagedCommit staged = assertInstanceOf(StagedCommit.class, g.process(wire(pending.commit())));
                g.merge(staged);
                if (staged.removesSelf()) {
                    assertEquals(Group.Status.REMOVED, g.status());
                    removed.add(g);
                } else {
                    stillActive.add(g);
                }
            }
            committer.mergePendingCommit();
            stillActive.add(committer);
            relay = PublicGroup.restore(relay.toBytes(), SCENARIO_CONFIG);
            for (Member added : pending.staged().addedMembers()) {
                KeyPackageBundle b = bundles.values().stream()
                        .filter(x -> x.keyPackage().leafNode().equals(added.leafNode())).findFirst().orElseThrow();
                stillActive.add(newcomer(Group.join(SCENARIO_CONFIG,
                        ((MlsMessage.OfWelcome) pending.welcome().orElseThrow()).welcome(), b, Optional.empty())));
            }
            active.clear();
            active.addAll(stillActive);
            commits++;
            check(committer);
            return pending;
        }

        /** Same epoch authenticator everywhere; a message reaches the members and no removed client. */
        void check(Group sender) {
            for (Group g : active) {
                assertEquals(sender.epoch(), g.epoch());
                assertArrayEquals(sender.epochAuthenticator(), g.epochAuthenticator());
            }
            assertArrayEquals(sender.groupContext().toBytes(), relay.groupContext().toBytes());
            assertEquals(active.size(), sender.members().size());
            restoreOneReceiver(sender);
            byte[] text = utf8("epoch " + sender.epoch());
            MlsMessage m = sender.encrypt(text, new byte[0]);
            history.add(m);
            for (Group g : active) {
                if (g != sender) {
                    assertArrayEquals(text, assertInstanceOf(Processed.ApplicationMessage.class,
                            g.process(wire(m))).data());
                }
            }
            for (Group r : removed) {
                assertThrows(ValidationException.class, () -> r.process(wire(m)));
            }
        }

        /** Replaces one receiver by a copy restored from its saved state; the copy must carry on. */
        void restoreOneReceiver(Group sender) {
            for (int i = 0; i < active.size(); i++) {
                int pick = (restores + i) % active.size();
                Group g = active.get(pick);
                if (g != sender) {
                    active.set(pick, Group.restore(g.toBytes(), SCENARIO_CONFIG));
                    restores++;
                    return;
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} members")
    @ValueSource(ints = {2, 10, 100})
    void lifecycle(int size) {
        World w = new World();
        Group creator = TestClients.create(SCENARIO_CONFIG, "member-0");
        w.active.add(creator);
        w.relay = creator.publicGroup();

        // Adds: everyone else in one Commit.
        CommitOptions.Builder adds = CommitOptions.builder();
        for (int i = 1; i < size; i++) {
            adds.add(w.newClient("member-" + i));
        }
        w.commit(creator, adds.build());
        assertEquals(size, w.active.size());

        // Updates: every other member proposes one; the last member commits them all.
        Group committer = w.active.get(w.active.size() - 1);
        for (int i = 0; i < w.active.size() - 1; i += 2) {
            Group g = w.active.get(i);
            w.proposal(g, g.proposeUpdate());
        }
        PendingCommit updates = w.commit(committer, CommitOptions.defaults());
        assertEquals((size - 1 + 1) / 2, updates.staged().updatedLeaves().size());

        // Empty commits (path updates) from two members.
        w.commit(w.active.get(0), CommitOptions.defaults());
        w.commit(w.active.get(w.active.size() / 2), CommitOptions.defaults());

        // Removes: a proposal from one member, another by value, committed by a third.
        Group remover = w.active.get(0);
        Group victim = w.active.get(w.active.size() - 1);
        if (w.active.size() >= 3) {
            w.proposal(remover, remover.proposeRemove(victim.ownLeafIndex()));
            Group second = w.active.get(w.active.size() - 2);
            Group third = w.active.get(1);
            w.commit(third, CommitOptions.builder().remove(second.ownLeafIndex()).build());
            assertEquals(size - 2, w.active.size());
        } else {
            w.commit(remover, CommitOptions.builder().remove(victim.ownLeafIndex()).build());
            assertEquals(1, w.active.size());
        }
        assertTrue(w.removed.size() >= 1);

        // External join with a GroupInfo from a member.
        Group inviter = w.active.get(0);
        ExternalJoin join = Group.joinExternal(SCENARIO_CONFIG, inviter.groupInfo(true), Optional.empty(),
                credential("external"), SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults());
        w.relay.merge(w.relay.stageCommit(((MlsMessage.OfPublicMessage) join.commit()).message()));
        for (Group g : w.active) {
            g.merge(assertInstanceOf(StagedCommit.class, g.process(wire(join.commit()))));
        }
        join.group().mergePendingCommit();
        w.active.add(w.newcomer(join.group()));
        w.check(join.group());

        // PSKs: an external PSK proposal, then a resumption PSK by value (a joiner could not know it).
        // (Members are looked up by position each time: check() swaps receivers for restored copies.)
        int psk = w.active.size() - 1;
        w.proposal(w.active.get(psk), w.active.get(psk).proposeExternalPsk(PSK_ID));
        w.commit(w.active.get(0), CommitOptions.defaults());
        long previous = w.active.get(0).epoch() - 1;
        PendingCommit resumption =
                w.commit(w.active.get(psk), CommitOptions.builder().resumptionPsk(previous).build());
        assertEquals(1, resumption.staged().psks().size());

        // An Add proposal from one member, committed by another, with the external PSK again.
        Group proposer = w.active.get(0);
        w.proposal(proposer, proposer.proposeAdd(w.newClient("late-joiner")));
        w.commit(w.active.get(psk), CommitOptions.builder().externalPsk(PSK_ID).build());

        // A removed member still cannot read, and the new epoch authenticators all agree.
        w.commit(w.active.get(w.active.size() - 1), CommitOptions.defaults());
        assertTrue(w.commits >= 8);
        assertTrue(w.restores >= w.commits, "a restored member took part after every commit");
    }
}
