package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.content;
import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.Forge.key;
import static dev.ampoule.mls.group.Forge.nonMember;
import static dev.ampoule.mls.group.Forge.signed;
import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.FramedContentAuthData;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.schedule.AeadKey;
import dev.ampoule.mls.schedule.AeadNonce;
import dev.ampoule.mls.schedule.RatchetKey;
import dev.ampoule.mls.schedule.RatchetType;
import dev.ampoule.mls.schedule.ScheduleRule;
import java.util.List;
import java.util.Optional;

/**
 * Framing and membership (RFC 9420 §6, §15): messages for another group or epoch, with a bad
 * membership tag or signature, from a sender who is not a member or may not send that content,
 * application data in the clear, wire formats that are not group messages, and PrivateMessages
 * that do not open, are replayed, come from an epoch no longer kept, or forge another member.
 */
final class FramingCases {

    private FramingCases() {}

    /** A trio whose proposals and commits travel as PrivateMessages (no relay can read them). */
    static Trio privateTrio() {
        return Trio.builder().config(CONFIG.toBuilder().handshakeFormat(WireFormat.PRIVATE_MESSAGE).build()).build();
    }

    static PrivateMessage privateOf(MlsMessage m) {
        return ((MlsMessage.OfPrivateMessage) m).message();
    }

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("framing and membership");
        RemoveProposal removeCarol = new RemoveProposal(2);

        // ---- PublicMessage (§6.1, §6.2) --------------------------------------------------------------
        c.both("proposal for another group", FramingRule.WRONG_GROUP, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, signed(t.alice, new FramedContent(utf8("another group"), t.alice.epoch(),
                    new Sender.Member(0), new byte[0], new Content.ProposalContent(removeCarol)), key(t.alice)));
        });
        c.both("proposal for the next epoch", FramingRule.WRONG_EPOCH, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, signed(t.alice, new FramedContent(t.alice.groupId(), t.alice.epoch() + 1,
                    new Sender.Member(0), new byte[0], new Content.ProposalContent(removeCarol)), key(t.alice)));
        });
        c.both("proposal of a past epoch", FramingRule.WRONG_EPOCH, () -> {
            Trio t = Trio.create();
            MlsMessage old = t.alice.proposeRemove(2);
            t.liveness();
            return t.deliver(t.bob, old);
        });
        c.relayAccepts("proposal with a corrupted membership tag", FramingRule.MEMBERSHIP_TAG, () -> {
            Trio t = Trio.create();
            PublicMessage pm = Forge.publicMessage(Forge.proposal(t.alice, removeCarol));
            return t.deliver(t.bob, new MlsMessage.OfPublicMessage(new PublicMessage(pm.content(), pm.auth(),
                    Optional.of(flipLast(pm.membershipTag().orElseThrow())))));
        });
        c.relayAccepts("commit with a membership tag of another epoch", FramingRule.MEMBERSHIP_TAG, () -> {
            Trio t = Trio.create();
            MlsMessage genuine = Forge.genuinePathCommit(t.alice);
            PublicMessage pm = Forge.publicMessage(genuine);
            Trio other = Trio.create();
            byte[] tag = Forge.publicMessage(Forge.proposal(other.alice, removeCarol)).membershipTag().orElseThrow();
            return t.deliver(t.bob, new MlsMessage.OfPublicMessage(new PublicMessage(pm.content(), pm.auth(),
                    Optional.of(tag))));
        });
        c.both("proposal signed by another member's key", FramingRule.SIGNATURE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, signed(t.alice, content(t.alice, new Sender.Member(0),
                    new Content.ProposalContent(removeCarol)), key(t.carol)));
        });
        c.both("commit signed by another member's key", FramingRule.SIGNATURE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, signed(t.alice, content(t.alice, new Sender.Member(0),
                    new Content.CommitContent(Forge.commitOf(Forge.genuinePathCommit(t.alice)))), key(t.carol)));
        });
        c.both("proposal from a leaf outside the tree", GroupRule.SENDER_NOT_MEMBER, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, signed(t.alice, content(t.alice, new Sender.Member(9),
                    new Content.ProposalContent(removeCarol)), key(t.alice)));
        });
        c.both("proposal from a blank leaf", GroupRule.SENDER_NOT_MEMBER, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, signed(t.alice, content(t.alice, new Sender.Member(3),
                    new Content.ProposalContent(removeCarol)), key(t.alice)));
        });
        c.both("proposal from a member removed in this epoch", GroupRule.SENDER_NOT_MEMBER, () -> {
            Trio t = Trio.create();
            MlsMessage fromCarol = Forge.proposal(t.carol, new RemoveProposal(1));
            t.apply(t.alice.commit(CommitOptions.builder().remove(2).build()), t.alice);
            // Carol's proposal of the old epoch, re-addressed to the new one with her old key.
            FramedContent fc = Forge.publicMessage(fromCarol).content();
            return t.deliver(t.bob, signed(t.alice, new FramedContent(fc.groupId(), t.alice.epoch(), fc.sender(),
                    fc.authenticatedData(), fc.content()), key(t.carol)));
        });
        c.both("application data as a PublicMessage", FramingRule.APPLICATION_NOT_PRIVATE, () -> {
            Trio t = Trio.create();
            FramedContent fc = content(t.alice, new Sender.Member(0), new Content.ApplicationData(utf8("secret")));
            AuthenticatedContent ac = AuthenticatedContent.sign(SUITE, key(t.alice), WireFormat.PUBLIC_MESSAGE, fc,
                    t.alice.groupContext());
            return t.deliver(t.bob, new MlsMessage.OfPublicMessage(new PublicMessage(fc,
                    FramedContentAuthData.of(ac.auth().signature()), Optional.of(new byte[SUITE.hashLength()]))));
        });
        c.both("new_member_commit sender sending a proposal", FramingRule.SENDER_CONTENT_MISMATCH, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, nonMember(t.bob, new Sender.NewMemberCommit(),
                    SUITE.generateSignatureKeyPair().privateKey(), new Content.ProposalContent(removeCarol)));
        });

        // ---- what is not a group message ------------------------------------------------------------
        c.member("a Welcome given to a member", GroupRule.UNEXPECTED_WIRE_FORMAT, () -> {
            Trio t = Trio.create();
            PendingCommit add = t.alice.commit(CommitOptions.builder()
                    .add(TestClients.keyPackage("dave").keyPackage()).build());
            return t.deliver(t.bob, add.welcome().orElseThrow());
        });
        c.member("a GroupInfo given to a member", GroupRule.UNEXPECTED_WIRE_FORMAT, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, new MlsMessage.OfGroupInfo(t.alice.groupInfo(true)));
        });
        c.member("a KeyPackage given to a member", GroupRule.UNEXPECTED_WIRE_FORMAT, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, new MlsMessage.OfKeyPackage(TestClients.keyPackage("dave").keyPackage()));
        });

        // ---- PrivateMessage (§6.3, §9, §15.3) --------------------------------------------------------
        c.member("application message for another group", FramingRule.WRONG_GROUP, () -> {
            Trio t = Trio.create();
            PrivateMessage m = privateOf(t.alice.encrypt(utf8("hello"), new byte[0]));
            return t.deliver(t.bob, new MlsMessage.OfPrivateMessage(new PrivateMessage(utf8("another group"),
                    m.epoch(), m.contentType(), m.authenticatedData(), m.encryptedSenderData(), m.ciphertext())));
        });
        c.member("application message of an epoch never seen", GroupRule.EPOCH_NOT_AVAILABLE, () -> {
            Trio t = Trio.create();
            PrivateMessage m = privateOf(t.alice.encrypt(utf8("hello"), new byte[0]));
            return t.deliver(t.bob, new MlsMessage.OfPrivateMessage(new PrivateMessage(m.groupId(), 99,
                    m.contentType(), m.authenticatedData(), m.encryptedSenderData(), m.ciphertext())));
        });
        c.member("application message of an epoch no longer retained", GroupRule.EPOCH_NOT_AVAILABLE, () -> {
            Trio t = Trio.create();
            MlsMessage late = t.alice.encrypt(utf8("late"), new byte[0]);
            for (int i = 0; i <= CONFIG.pastEpochs(); i++) {
                t.liveness();
            }
            return t.deliver(t.bob, late);
        });
        c.member("handshake message of a retained past epoch", GroupRule.HANDSHAKE_FROM_PAST_EPOCH, () -> {
            Trio t = privateTrio();
            MlsMessage old = t.bob.proposeRemove(2);
            t.liveness();
            return t.deliver(t.alice, old);
        });
        c.member("application message with a corrupted ciphertext", CryptoRule.AEAD_OPEN_FAILED, () -> {
            Trio t = Trio.create();
            PrivateMessage m = privateOf(t.alice.encrypt(utf8("hello"), new byte[0]));
            return t.deliver(t.bob, new MlsMessage.OfPrivateMessage(new PrivateMessage(m.groupId(), m.epoch(),
                    m.contentType(), m.authenticatedData(), m.encryptedSenderData(), flipLast(m.ciphertext()))));
        });
        c.member("application message with corrupted sender data", CryptoRule.AEAD_OPEN_FAILED, () -> {
            Trio t = Trio.create();
            PrivateMessage m = privateOf(t.alice.encrypt(utf8("hello"), new byte[0]));
            return t.deliver(t.bob, new MlsMessage.OfPrivateMessage(new PrivateMessage(m.groupId(), m.epoch(),
                    m.contentType(), m.authenticatedData(), flipLast(m.encryptedSenderData()), m.ciphertext())));
        });
        c.member("application message with altered authenticated data", CryptoRule.AEAD_OPEN_FAILED, () -> {
            Trio t = Trio.create();
            PrivateMessage m = privateOf(t.alice.encrypt(utf8("hello"), utf8("ad")));
            return t.deliver(t.bob, new MlsMessage.OfPrivateMessage(new PrivateMessage(m.groupId(), m.epoch(),
                    m.contentType(), utf8("AD"), m.encryptedSenderData(), m.ciphertext())));
        });
        c.member("replayed application message", ScheduleRule.GENERATION_CONSUMED, () -> {
            Trio t = Trio.create();
            MlsMessage m = t.alice.encrypt(utf8("once"), new byte[0]);
            t.bob.process(wire(m));
            return t.deliver(t.bob, m);
        });
        c.member("a member's own application message echoed back", ScheduleRule.GENERATION_CONSUMED, () -> {
            Trio t = Trio.create();
            return t.deliver(t.alice, t.alice.encrypt(utf8("mine"), new byte[0]));
        });
        c.member("application message claiming a generation far ahead", ScheduleRule.GENERATION_TOO_FAR_AHEAD, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, application(t.alice, 0, 5_000, new AeadKey(new byte[16]),
                    new AeadNonce(new byte[12])));
        });
        c.member("application message from a leaf outside the secret tree", ScheduleRule.LEAF_OUT_OF_RANGE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, application(t.alice, 9, 0, new AeadKey(new byte[16]),
                    new AeadNonce(new byte[12])));
        });
        c.member("application message from a blank leaf, encrypted by a member", GroupRule.SENDER_NOT_MEMBER, () -> {
            Trio t = Trio.create();
            Group forger = Group.restore(t.bob.toBytes(), t.config);
            try (RatchetKey k = forger.state().secretTree().next(3, RatchetType.APPLICATION)) {
                return t.deliver(t.alice, application(forger, 3, k.generation(), k.key(), k.nonce()));
            }
        });
        c.member("private proposal forged by a member for another leaf", FramingRule.SIGNATURE, () -> {
            Trio t = privateTrio();
            // Bob holds the epoch's secret tree, so he can encrypt as carol; he cannot sign as her. He
            // forges on a copy of his state, so that his own view of carol's ratchet stays intact.
            Group forger = Group.restore(t.bob.toBytes(), t.config);
            FramedContent fc = content(forger, new Sender.Member(2), new Content.ProposalContent(new RemoveProposal(1)));
            AuthenticatedContent ac = AuthenticatedContent.sign(SUITE, key(forger), WireFormat.PRIVATE_MESSAGE, fc,
                    forger.groupContext());
            return t.deliver(t.alice, new MlsMessage.OfPrivateMessage(PrivateMessage.protect(SUITE, ac, 0,
                    forger.state().epochSecrets().senderDataSecret(), forger.state().secretTree())));
        });
        c.member("private proposal breaking a rule", GroupRule.REMOVE_BLANK_LEAF, () -> {
            Trio t = privateTrio();
            FramedContent fc = content(t.bob, new Sender.Member(1), new Content.ProposalContent(new RemoveProposal(3)));
            AuthenticatedContent ac = AuthenticatedContent.sign(SUITE, key(t.bob), WireFormat.PRIVATE_MESSAGE, fc,
                    t.bob.groupContext());
            return t.deliver(t.alice, new MlsMessage.OfPrivateMessage(PrivateMessage.protect(SUITE, ac, 0,
                    t.bob.state().epochSecrets().senderDataSecret(), t.bob.state().secretTree())));
        });
        c.member("private commit breaking a rule", GroupRule.COMMIT_REMOVES_COMMITTER, () -> {
            Trio t = privateTrio();
            FramedContent fc = content(t.bob, new Sender.Member(1), new Content.CommitContent(
                    new Commit(Forge.byValue(new RemoveProposal(1)), Optional.empty())));
            byte[] sig = AuthenticatedContent.signCommit(SUITE, key(t.bob), WireFormat.PRIVATE_MESSAGE, fc,
                    t.bob.groupContext());
            AuthenticatedContent ac = AuthenticatedContent.ofCommit(WireFormat.PRIVATE_MESSAGE, fc, sig,
                    new byte[SUITE.hashLength()]);
            return t.deliver(t.alice, new MlsMessage.OfPrivateMessage(PrivateMessage.protect(SUITE, ac, 0,
                    t.bob.state().epochSecrets().senderDataSecret(), t.bob.state().secretTree())));
        });
        return c.cases();
    }

    /**
     * Application data claiming leaf {@code leaf}, signed by {@code signer}, encrypted with
     * {@code signer}'s sender data secret under the given generation, key and nonce.
     */
    private static MlsMessage application(Group signer, int leaf, long generation, AeadKey key, AeadNonce nonce) {
        FramedContent fc = content(signer, new Sender.Member(leaf), new Content.ApplicationData(utf8("hello")));
        AuthenticatedContent ac = AuthenticatedContent.sign(SUITE, key(signer), WireFormat.PRIVATE_MESSAGE, fc,
                signer.groupContext());
        return new MlsMessage.OfPrivateMessage(PrivateMessage.encrypt(SUITE, ac, 0,
                signer.state().epochSecrets().senderDataSecret(), generation, key, nonce));
    }
}
