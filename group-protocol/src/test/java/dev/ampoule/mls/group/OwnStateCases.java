package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import java.util.List;
import java.util.Optional;

/**
 * What a member may not do in its current state (RFC 9420 §12.4, §14, §15): receive or send after
 * being removed or while the group awaits reinitialization or an external join is pending, send
 * application data over uncommitted proposals, commit twice, merge what is not pending or is
 * stale, take back its own discarded commit, use PSKs it does not hold.
 */
final class OwnStateCases {

    private OwnStateCases() {}

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("own state");

        // ---- inactive groups (§12.4.2, §11.2, §12.4.3.2) -------------------------------------------
        c.member("removed member receiving a proposal", GroupRule.GROUP_INACTIVE, () -> {
            Trio t = Trio.create();
            t.apply(t.alice.commit(CommitOptions.builder().remove(1).build()), t.alice);
            MlsMessage update = t.carol.proposeUpdate();
            return t.local(() -> t.bob.process(wire(update)));
        });
        c.member("removed member committing", GroupRule.GROUP_INACTIVE, () -> {
            Trio t = Trio.create();
            t.apply(t.alice.commit(CommitOptions.builder().remove(1).build()), t.alice);
            return t.local(() -> t.bob.commit(CommitOptions.defaults()));
        });
        c.member("member of a group awaiting reinitialization sending data", GroupRule.GROUP_INACTIVE, () -> {
            Trio t = Trio.create();
            CipherSuiteId suite = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
            MlsMessage reInit = t.bob.proposeReInit(utf8("ward-7 v2"), suite, List.of());
            t.share(reInit, t.bob);
            t.apply(t.alice.commit(CommitOptions.defaults()), t.alice);
            return t.local(() -> t.bob.encrypt(utf8("too late"), new byte[0])).then(() -> reInitialized(t));
        });
        c.member("external joiner sending before its commit is accepted", GroupRule.GROUP_INACTIVE, () -> {
            Trio t = Trio.create();
            ExternalJoin join = Group.joinExternal(CONFIG, t.alice.groupInfo(true), Optional.empty(),
                    credential("dave"), SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults());
            return t.local(() -> join.group().encrypt(utf8("early"), new byte[0])).alsoWatching(join.group())
                    .then(() -> ExternalCases.joined(t, join));
        });

        // ---- sequencing (§12.4, §14) --------------------------------------------------------------------
        c.member("application data over uncommitted proposals", GroupRule.PENDING_PROPOSALS, () -> {
            Trio t = Trio.create();
            t.share(t.carol.proposeUpdate(), t.carol);
            return t.local(() -> t.bob.encrypt(utf8("not yet"), new byte[0]));
        });
        c.member("second commit while one is pending", GroupRule.PENDING_COMMIT, () -> {
            Trio t = Trio.create();
            t.alice.commit(CommitOptions.defaults());
            return t.local(() -> t.alice.commit(CommitOptions.builder().forcePath(true).build()));
        });
        c.member("merging a pending commit that does not exist", GroupRule.NO_PENDING_COMMIT, () -> {
            Trio t = Trio.create();
            return t.local(t.alice::mergePendingCommit);
        });
        c.member("discarding a pending commit that does not exist", GroupRule.NO_PENDING_COMMIT, () -> {
            Trio t = Trio.create();
            return t.local(t.alice::discardPendingCommit);
        });
        c.both("merging a commit staged by another group", GroupRule.STAGED_COMMIT_STALE, () -> {
            Trio t = Trio.create();
            PendingCommit commit = t.alice.commit(CommitOptions.builder().forcePath(true).build());
            StagedCommit atBob = assertInstanceOf(StagedCommit.class, t.bob.process(wire(commit.commit())));
            PublicMessage pm = Forge.publicMessage(wire(commit.commit()));
            StagedPublicCommit atOtherRelay = t.relay.orElseThrow().copy().stageCommit(pm);
            return t.local(() -> t.carol.merge(atBob))
                    .withRelayAction(() -> t.relay.orElseThrow().merge(atOtherRelay));
        });
        c.both("merging a staged commit after another one won the epoch", GroupRule.STAGED_COMMIT_STALE, () -> {
            Trio t = Trio.create();
            PendingCommit loser = t.alice.commit(CommitOptions.builder().forcePath(true).build());
            StagedCommit atBob = assertInstanceOf(StagedCommit.class, t.bob.process(wire(loser.commit())));
            StagedPublicCommit atRelay = t.relay.orElseThrow().stageCommit(Forge.publicMessage(wire(loser.commit())));
            t.apply(t.carol.commit(CommitOptions.builder().forcePath(true).build()), t.carol);
            return t.local(() -> t.bob.merge(atBob)).withRelayAction(() -> t.relay.orElseThrow().merge(atRelay));
        });
        c.relayAccepts("a member's own discarded commit coming back", GroupRule.OWN_COMMIT_UNKNOWN, () -> {
            Trio t = Trio.create();
            return t.deliver(t.alice, Forge.genuinePathCommit(t.alice));
        });

        // ---- PSKs this member cannot supply (§8.4, §8.6) ---------------------------------------------
        c.member("proposing the resumption PSK of an epoch not retained", GroupRule.RESUMPTION_EPOCH_UNAVAILABLE,
                () -> {
                    Trio t = Trio.create();
                    return t.local(() -> t.alice.proposeResumptionPsk(42));
                });
        c.member("committing the resumption PSK of an epoch not retained", GroupRule.RESUMPTION_EPOCH_UNAVAILABLE,
                () -> {
                    Trio t = Trio.create();
                    return t.local(() -> t.alice.commit(CommitOptions.builder().resumptionPsk(42).build()));
                });
        c.member("proposing an external PSK this member lacks", GroupRule.PSK_UNAVAILABLE, () -> {
            Trio t = Trio.create();
            return t.local(() -> t.alice.proposeExternalPsk(utf8("unknown")));
        });
        c.member("reinitializing a group that committed no ReInit", GroupRule.RESUMPTION_MISMATCH, () -> {
            Trio t = Trio.create();
            return t.local(() -> t.alice.reInitialize(CONFIG, SUITE.generateSignatureKeyPair(), List.of()));
        });
        return c.cases();
    }

    /** After a ReInit: alice starts the new group with bob and carol, who join it from the old one. */
    private static void reInitialized(Trio t) {
        KeyPackageBundle bob = TestClients.keyPackage("bob");
        KeyPackageBundle carol = TestClients.keyPackage("carol");
        ResumedGroup next = t.alice.reInitialize(CONFIG, SUITE.generateSignatureKeyPair(),
                List.of(bob.keyPackage(), carol.keyPackage()));
        next.group().mergePendingCommit();
        Group newBob = t.bob.joinResumed(CONFIG, TestClients.welcome(next.commit()), bob, Optional.empty());
        Group newCarol = t.carol.joinResumed(CONFIG, TestClients.welcome(next.commit()), carol, Optional.empty());
        assertEquals(1, newBob.epoch());
        assertArrayEquals(next.group().epochAuthenticator(), newBob.epochAuthenticator());
        assertArrayEquals(next.group().epochAuthenticator(), newCarol.epochAuthenticator());
    }
}
