package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.group.MatrixCase.Attempt;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.function.Executable;

/**
 * The small real group of a matrix case: alice (the creator, leaf 0), bob (leaf 1) and carol
 * (leaf 2) at epoch 1, all suite 1, and — when handshake messages are public — the relay's
 * {@link PublicGroup}, which follows every Commit.
 */
final class Trio {

    final GroupConfig config;
    final Group alice;
    final Group bob;
    final Group carol;
    final Optional<PublicGroup> relay;

    private Trio(GroupConfig config, Group alice, Group bob, Group carol, Optional<PublicGroup> relay) {
        this.config = config;
        this.alice = alice;
        this.bob = bob;
        this.carol = carol;
        this.relay = relay;
    }

    static Trio create() {
        return builder().build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** Configuration of a trio: the members' configuration, GroupContext extensions, joiners' capabilities. */
    static final class Builder {
        private GroupConfig config = CONFIG;
        private List<Extension> extensions = List.of();
        private Optional<Capabilities> capabilities = Optional.empty();
        private boolean pathInFirstCommit;

        Builder config(GroupConfig config) {
            this.config = config;
            return this;
        }

        Builder extensions(List<Extension> extensions) {
            this.extensions = List.copyOf(extensions);
            return this;
        }

        /** Capabilities of bob's and carol's KeyPackages (default: the configuration's). */
        Builder capabilities(Capabilities capabilities) {
            this.capabilities = Optional.of(capabilities);
            return this;
        }

        /** Alice's Commit adding bob and carol carries a path, so the tree has parent nodes. */
        Builder pathInFirstCommit() {
            this.pathInFirstCommit = true;
            return this;
        }

        Trio build() {
            Group alice = Group.create(config, SUITE, SUITE.randomBytes(16), credential("alice"),
                    SUITE.generateSignatureKeyPair(), extensions);
            KeyPackageBundle bob = bundle("bob");
            KeyPackageBundle carol = bundle("carol");
            PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage())
                    .forcePath(pathInFirstCommit).build());
            alice.mergePendingCommit();
            Welcome welcome = TestClients.welcome(add);
            Group bobGroup = Group.join(config, welcome, bob, Optional.empty());
            Group carolGroup = Group.join(config, welcome, carol, Optional.empty());
            Optional<PublicGroup> relay = config.handshakeFormat() == WireFormat.PUBLIC_MESSAGE
                    ? Optional.of(alice.publicGroup()) : Optional.empty();
            return new Trio(config, alice, bobGroup, carolGroup, relay);
        }

        KeyPackageBundle bundle(String name) {
            return KeyPackageBundle.builder(SUITE, credential(name), SUITE.generateSignatureKeyPair())
                    .capabilities(capabilities.orElse(config.capabilities())).build();
        }
    }

    List<Group> members() {
        return List.of(alice, bob, carol);
    }

    // ---- attempts -----------------------------------------------------------------------------

    /**
     * {@code receiver} processes {@code message} as it arrives from the network; the relay (for a
     * PublicMessage) processes it as a proposal or stages it as a commit. Every member and the relay
     * are watched; afterwards the group must still work ({@link #liveness()}).
     */
    Attempt deliver(Group receiver, MlsMessage message) {
        byte[] bytes = message.toBytes();
        Attempt a = local(() -> receiver.process(MlsMessage.fromBytes(bytes)));
        return message instanceof MlsMessage.OfPublicMessage && relay.isPresent()
                ? a.withRelayAction(() -> atRelay(MlsMessage.fromBytes(bytes))) : a;
    }

    /**
     * Malformed bytes: decoded and processed by {@code receiver}; the relay decodes and processes
     * them too when {@code toRelay}.
     */
    Attempt deliverBytes(Group receiver, byte[] bytes, boolean toRelay) {
        byte[] copy = bytes.clone();
        Attempt a = local(() -> receiver.process(MlsMessage.fromBytes(copy)));
        return toRelay && relay.isPresent() ? a.withRelayAction(() -> atRelay(MlsMessage.fromBytes(copy))) : a;
    }

    private void atRelay(MlsMessage message) {
        PublicMessage pm = ((MlsMessage.OfPublicMessage) message).message();
        if (pm.content().contentType() == ContentType.COMMIT) {
            relay.orElseThrow().stageCommit(pm);
        } else {
            relay.orElseThrow().processProposal(pm);
        }
    }

    /** Any operation on this trio's members; everyone is watched, liveness afterwards. */
    Attempt local(Executable atMember) {
        return new Attempt(atMember, Optional.empty(), members(), relay, this::liveness);
    }

    // ---- valid traffic ------------------------------------------------------------------------

    /** Delivers a valid proposal of {@code sender} to the other members and the relay. */
    void share(MlsMessage proposal, Group sender) {
        for (Group g : members()) {
            if (g != sender) {
                assertInstanceOf(Processed.ProposalMessage.class, g.process(wire(proposal)));
            }
        }
        relay.ifPresent(r -> r.processProposal(((MlsMessage.OfPublicMessage) wire(proposal)).message()));
    }

    /** Has every member but the committer, and the relay, apply a valid commit; then the committer merges it. */
    void apply(PendingCommit commit, Group committer) {
        relay.ifPresent(r -> r.merge(r.stageCommit(((MlsMessage.OfPublicMessage) wire(commit.commit())).message())));
        for (Group g : members()) {
            if (g != committer && g.isActive()) {
                g.merge(assertInstanceOf(StagedCommit.class, g.process(wire(commit.commit()))));
            }
        }
        committer.mergePendingCommit();
    }

    /**
     * The group still works: an active member without a pending commit makes an empty commit with a
     * path, every other active member and the relay apply it, all reach the same epoch authenticator
     * (the relay the same GroupContext), and application data flows between two members.
     */
    void liveness() {
        List<Group> active = members().stream().filter(Group::isActive).toList();
        Group committer = active.stream().filter(g -> g.pendingCommit().isEmpty()).reduce((x, y) -> y).orElseThrow();
        PendingCommit commit = committer.commit(
                CommitOptions.builder().includePendingProposals(false).forcePath(true).build());
        apply(commit, committer);
        for (Group g : active) {
            assertEquals(committer.epoch(), g.epoch());
            assertArrayEquals(committer.epochAuthenticator(), g.epochAuthenticator(), "epoch authenticators differ");
        }
        relay.ifPresent(r -> assertArrayEquals(committer.groupContext().toBytes(), r.groupContext().toBytes(),
                "the relay's GroupContext differs"));
        Group sender = active.get(0) == committer ? active.get(1) : active.get(0);
        MlsMessage app = sender.encrypt(utf8("still working"), new byte[0]);
        assertArrayEquals(utf8("still working"),
                assertInstanceOf(Processed.ApplicationMessage.class, committer.process(wire(app))).data());
    }

    /**
     * The genuine commit {@code commit} of alice (pending at alice) applies, and {@code joiner} joins
     * from its genuine Welcome with the same KeyPackage — with the tree given out of band when
     * {@code treeOutOfBand} — and the same epoch authenticator: the refused Welcome destroyed nothing.
     */
    void joinsAfterAll(PendingCommit commit, KeyPackageBundle joiner, boolean treeOutOfBand, PskLookup psks) {
        assertEquals(false, joiner.initKeyPair().privateKey().isDestroyed(), "the init key was destroyed");
        apply(commit, alice);
        Optional<RatchetTree> tree = treeOutOfBand ? Optional.of(alice.publicGroup().tree()) : Optional.empty();
        Group joined = Group.join(config, TestClients.welcome(commit), joiner, tree, psks);
        assertArrayEquals(alice.epochAuthenticator(), joined.epochAuthenticator());
        liveness();
    }
}
