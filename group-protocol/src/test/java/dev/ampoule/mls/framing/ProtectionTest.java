package dev.ampoule.mls.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.Fixtures;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.schedule.EncryptionSecret;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.KeyAndNonce;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.MembershipKey;
import dev.ampoule.mls.schedule.RatchetKey;
import dev.ampoule.mls.schedule.RatchetType;
import dev.ampoule.mls.schedule.RatchetWindow;
import dev.ampoule.mls.schedule.ScheduleRule;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** PublicMessage and PrivateMessage protection beyond the vectors (RFC 9420 §6). */
class ProtectionTest {

    static final CipherSuite SUITE = Fixtures.SUITE;
    static final byte[] GROUP = {7, 7, 7};
    static final long EPOCH = 42;

    final GroupContext context = new GroupContext(1, GROUP, EPOCH, new byte[32], new byte[32], List.of());
    final SignatureKeyPair member = SUITE.generateSignatureKeyPair();
    final SignatureKeyPair relay = SUITE.generateSignatureKeyPair();
    final byte[] membership = SUITE.randomBytes(32);
    final byte[] encryption = SUITE.randomBytes(32);
    final byte[] senderData = SUITE.randomBytes(32);
    final SignerKeys signers = fc -> switch (fc.sender()) {
        case Sender.Member m when m.leafIndex() == 2 -> member.publicKey();
        case Sender.External e when e.senderIndex() == 0 -> relay.publicKey();
        default -> throw new ValidationException(FramingRule.UNKNOWN_SENDER);
    };

    FramedContent framed(Sender sender, Content body) {
        return new FramedContent(GROUP, EPOCH, sender, new byte[] {1}, body);
    }

    MembershipKey membershipKey() {
        return new MembershipKey(membership.clone());
    }

    SecretTree tree() {
        return SecretTree.create(SUITE, new EncryptionSecret(encryption.clone()), 4, RatchetWindow.DEFAULT);
    }

    SenderDataSecret senderDataSecret() {
        return new SenderDataSecret(senderData.clone());
    }

    AuthenticatedContent signed(WireFormat wf, Sender sender, Content body, SignatureKeyPair key) {
        return AuthenticatedContent.sign(SUITE, key.privateKey(), wf, framed(sender, body), context);
    }

    static void assertRule(Rule rule, Runnable action) {
        var e = assertThrows(ValidationException.class, action::run);
        assertEquals(rule, e.rule());
    }

    @Test
    void publicMessageChecksMembershipTagSignatureGroupAndEpoch() {
        Content remove = new Content.ProposalContent(new RemoveProposal(1));
        AuthenticatedContent ac = signed(WireFormat.PUBLIC_MESSAGE, new Sender.Member(2), remove, member);
        PublicMessage pm = PublicMessage.protect(SUITE, ac, context, membershipKey());
        assertEquals(ac, pm.unprotect(SUITE, context, membershipKey(), signers).authenticatedContent());
        assertEquals(ac, TlsReader.decodeExactly(pm.toBytes(), PublicMessage::decode).authenticatedContent());

        byte[] tag = pm.membershipTag().orElseThrow().clone();
        tag[0] ^= 1;
        PublicMessage badTag = new PublicMessage(pm.content(), pm.auth(), Optional.of(tag));
        assertRule(FramingRule.MEMBERSHIP_TAG, () -> badTag.unprotect(SUITE, context, membershipKey(), signers));
        assertRule(FramingRule.MEMBERSHIP_TAG,
                () -> pm.unprotect(SUITE, context, new MembershipKey(new byte[32]), signers));

        byte[] sig = pm.auth().signature().clone();
        sig[5] ^= 1;
        AuthenticatedContent forged = new AuthenticatedContent(WireFormat.PUBLIC_MESSAGE, pm.content(),
                FramedContentAuthData.of(sig));
        PublicMessage badSig = PublicMessage.protect(SUITE, forged, context, membershipKey());
        assertRule(FramingRule.SIGNATURE, () -> badSig.unprotect(SUITE, context, membershipKey(), signers));

        assertRule(FramingRule.WRONG_EPOCH,
                () -> pm.unprotect(SUITE, context.withEpoch(EPOCH + 1), membershipKey(), signers));
        GroupContext other = new GroupContext(1, new byte[] {9}, EPOCH, new byte[32], new byte[32], List.of());
        assertRule(FramingRule.WRONG_GROUP, () -> pm.unprotect(SUITE, other, membershipKey(), signers));

        // the signature covers the GroupContext of a member sender
        GroupContext otherTree = new GroupContext(1, GROUP, EPOCH, new byte[32], new byte[31], List.of());
        PublicMessage elsewhere = PublicMessage.protect(SUITE, ac, otherTree, membershipKey());
        assertRule(FramingRule.SIGNATURE, () -> elsewhere.unprotect(SUITE, otherTree, membershipKey(), signers));
    }

    @Test
    void workBeforeTheSignatureVerifiedCountsOnlyWhenItDoes() {
        Content remove = new Content.ProposalContent(new RemoveProposal(1));
        AuthenticatedContent ac = signed(WireFormat.PUBLIC_MESSAGE, new Sender.Member(2), remove, member);
        PublicMessage pm = PublicMessage.protect(SUITE, ac, context, membershipKey());
        List<Object> discarded = new java.util.ArrayList<>();
        assertEquals("work on " + ac.sender(), pm.unprotectWhileVerifying(SUITE, context, membershipKey(), signers,
                c -> "work on " + c.sender(), discarded::add));
        assertEquals(List.of(), discarded);

        byte[] sig = pm.auth().signature().clone();
        sig[5] ^= 1;
        PublicMessage badSig = PublicMessage.protect(SUITE, new AuthenticatedContent(WireFormat.PUBLIC_MESSAGE,
                pm.content(), FramedContentAuthData.of(sig)), context, membershipKey());
        assertRule(FramingRule.SIGNATURE, () -> badSig.unprotectWhileVerifying(SUITE, context, membershipKey(),
                signers, c -> "staged secrets", discarded::add));
        assertEquals(List.of("staged secrets"), discarded, "the result of the work is handed back to be destroyed");
        assertRule(FramingRule.SIGNATURE, () -> badSig.unprotectWhileVerifying(SUITE, context, membershipKey(),
                signers, c -> {
                    throw new ValidationException(FramingRule.WRONG_EPOCH);
                }, discarded::add));
        assertRule(FramingRule.WRONG_EPOCH, () -> pm.unprotectWhileVerifying(SUITE, context, membershipKey(),
                signers, c -> {
                    throw new ValidationException(FramingRule.WRONG_EPOCH);
                }, discarded::add));
        // The membership tag is checked before any work.
        assertRule(FramingRule.MEMBERSHIP_TAG, () -> pm.unprotectWhileVerifying(SUITE, context,
                new MembershipKey(new byte[32]), signers, c -> {
                    throw new AssertionError("work on content a member did not send");
                }, discarded::add));
        PublicMessage untagged = PublicMessage.protectAsNonMember(signed(WireFormat.PUBLIC_MESSAGE,
                new Sender.External(0), remove, relay));
        assertThrows(dev.ampoule.mls.error.InternalException.class, () -> untagged.unprotectWhileVerifying(SUITE,
                context, membershipKey(), signers, c -> c, c -> { }));
    }

    @Test
    void externalSendersMayOnlyPropose() {
        AuthenticatedContent remove = signed(WireFormat.PUBLIC_MESSAGE, new Sender.External(0),
                new Content.ProposalContent(new RemoveProposal(2)), relay);
        PublicMessage pm = PublicMessage.protectAsNonMember(remove);
        assertTrue(pm.membershipTag().isEmpty());
        assertEquals(remove, pm.unprotect(SUITE, context, membershipKey(), signers).authenticatedContent());

        Fixtures.Client c = Fixtures.client("dave");
        AuthenticatedContent update = signed(WireFormat.PUBLIC_MESSAGE, new Sender.External(0),
                new Content.ProposalContent(new UpdateProposal(c.keyPackage().leafNode())), relay);
        assertRule(FramingRule.EXTERNAL_PROPOSAL_TYPE,
                () -> PublicMessage.protectAsNonMember(update).unprotect(SUITE, context, membershipKey(), signers));

        AuthenticatedContent notAdd = signed(WireFormat.PUBLIC_MESSAGE, new Sender.NewMemberProposal(),
                new Content.ProposalContent(new RemoveProposal(0)), relay);
        assertRule(FramingRule.SENDER_CONTENT_MISMATCH,
                () -> PublicMessage.protectAsNonMember(notAdd).unprotect(SUITE, context, membershipKey(), signers));

        AuthenticatedContent selfAdd = signed(WireFormat.PUBLIC_MESSAGE, new Sender.NewMemberProposal(),
                new Content.ProposalContent(new AddProposal(c.keyPackage())), c.signatureKey());
        PublicMessage joinRequest = PublicMessage.protectAsNonMember(selfAdd);
        assertEquals(selfAdd, joinRequest.unprotect(SUITE, context, membershipKey(),
                fc -> ((AddProposal) ((Content.ProposalContent) fc.content()).proposal()).keyPackage().leafNode()
                        .signatureKey()).authenticatedContent());

        FramedContent commit = framed(new Sender.External(0),
                new Content.CommitContent(new Commit(List.of(), Optional.empty())));
        byte[] sig = AuthenticatedContent.signCommit(SUITE, relay.privateKey(), WireFormat.PUBLIC_MESSAGE, commit,
                context);
        PublicMessage externalCommit = PublicMessage.protectAsNonMember(
                AuthenticatedContent.ofCommit(WireFormat.PUBLIC_MESSAGE, commit, sig, new byte[32]));
        assertRule(FramingRule.SENDER_CONTENT_MISMATCH,
                () -> externalCommit.unprotect(SUITE, context, membershipKey(), signers));
    }

    @Test
    void applicationDataIsNeverPublic() {
        AuthenticatedContent app = signed(WireFormat.PUBLIC_MESSAGE, new Sender.Member(2),
                new Content.ApplicationData(new byte[] {1, 2, 3}), member);
        assertRule(FramingRule.APPLICATION_NOT_PRIVATE,
                () -> PublicMessage.protect(SUITE, app, context, membershipKey()));
    }

    @Test
    void privateMessageRoundTripPaddingAndReplay() {
        SecretTree sending = tree();
        SecretTree receiving = tree();
        byte[] data = SUITE.randomBytes(1024);
        AuthenticatedContent app = signed(WireFormat.PRIVATE_MESSAGE, new Sender.Member(2),
                new Content.ApplicationData(data), member);
        PrivateMessage small = PrivateMessage.protect(SUITE, app, 0, senderDataSecret(), sending);
        PrivateMessage padded = PrivateMessage.protect(SUITE, app, 100, senderDataSecret(), sending);
        assertEquals(small.ciphertext().length + 100, padded.ciphertext().length);
        assertEquals(ContentType.APPLICATION, padded.contentType());

        PrivateMessage received = assertInstanceOf(MlsMessage.OfPrivateMessage.class,
                MlsMessage.fromBytes(new MlsMessage.OfPrivateMessage(padded).toBytes())).message();
        assertEquals(app,
                received.unprotect(SUITE, context, senderDataSecret(), receiving, signers).authenticatedContent());
        assertEquals(app,
                small.unprotect(SUITE, context, senderDataSecret(), receiving, signers).authenticatedContent());
        assertRule(ScheduleRule.GENERATION_CONSUMED,
                () -> small.unprotect(SUITE, context, senderDataSecret(), receiving, signers));

        SenderData sd = padded.decryptSenderData(SUITE, senderDataSecret());
        assertEquals(2, sd.leafIndex());
        assertEquals(1, sd.generation());
        assertEquals(4, sd.reuseGuard().length);

        // a tampered ciphertext does not burn the generation it names
        SecretTree fresh = tree();
        byte[] ct = small.ciphertext().clone();
        ct[ct.length - 1] ^= 1;
        PrivateMessage tampered = new PrivateMessage(GROUP, EPOCH, ContentType.APPLICATION, small.authenticatedData(),
                small.encryptedSenderData(), ct);
        assertRule(CryptoRule.AEAD_OPEN_FAILED,
                () -> tampered.unprotect(SUITE, context, senderDataSecret(), fresh, signers));
        assertEquals(app,
                small.unprotect(SUITE, context, senderDataSecret(), fresh, signers).authenticatedContent());
    }

    @Test
    void privateMessageRefusesNonMembersUnknownLeavesAndForeignEpochs() {
        AuthenticatedContent external = signed(WireFormat.PRIVATE_MESSAGE, new Sender.External(0),
                new Content.ProposalContent(new RemoveProposal(1)), relay);
        assertRule(FramingRule.PRIVATE_SENDER_NOT_MEMBER,
                () -> PrivateMessage.protect(SUITE, external, 0, senderDataSecret(), tree()));

        AuthenticatedContent fromLeaf3 = AuthenticatedContent.sign(SUITE, member.privateKey(),
                WireFormat.PRIVATE_MESSAGE, framed(new Sender.Member(3), new Content.ApplicationData(new byte[1])),
                context);
        PrivateMessage pm = PrivateMessage.protect(SUITE, fromLeaf3, 0, senderDataSecret(), tree());
        assertRule(FramingRule.UNKNOWN_SENDER, () -> pm.unprotect(SUITE, context, senderDataSecret(), tree(), signers));
        assertRule(FramingRule.WRONG_EPOCH,
                () -> pm.unprotect(SUITE, context.withEpoch(1), senderDataSecret(), tree(), signers));
        assertRule(CryptoRule.AEAD_OPEN_FAILED,
                () -> pm.unprotect(SUITE, context, new SenderDataSecret(new byte[32]), tree(), signers));

        AuthenticatedContent publicWire = signed(WireFormat.PUBLIC_MESSAGE, new Sender.Member(2),
                new Content.ApplicationData(new byte[1]), member);
        PrivateMessage wrongWire = PrivateMessage.protect(SUITE,
                new AuthenticatedContent(WireFormat.PRIVATE_MESSAGE, publicWire.content(), publicWire.auth()), 0,
                senderDataSecret(), tree());
        assertRule(FramingRule.SIGNATURE,
                () -> wrongWire.unprotect(SUITE, context, senderDataSecret(), tree(), signers));
    }

    @Test
    void nonZeroPaddingIsMalformed() {
        AuthenticatedContent app = signed(WireFormat.PRIVATE_MESSAGE, new Sender.Member(2),
                new Content.ApplicationData(new byte[] {1, 2, 3}), member);
        for (int bad : new int[] {0, 5, 9}) {
            TlsWriter w = new TlsWriter();
            new PrivateMessageContent(app.content().content(), app.auth(), 10).encode(w);
            byte[] plaintext = w.toByteArray();
            plaintext[plaintext.length - 10 + bad] = 1;
            assertThrows(DecodeException.class, () -> PrivateMessageContent.decode(plaintext, ContentType.APPLICATION));

            // and through decryption: seal that plaintext the way a sender would
            SecretTree sending = tree();
            PrivateMessage forged;
            try (RatchetKey key = sending.next(2, RatchetType.APPLICATION)) {
                SenderData sd = new SenderData(2, key.generation(), new byte[] {1, 2, 3, 4});
                byte[] aad = new PrivateContentAad(GROUP, EPOCH, ContentType.APPLICATION, new byte[] {1}).toBytes();
                byte[] ct = SUITE.aeadSeal(key.key().reveal(), sd.guardNonce(key.nonce().reveal()), aad, plaintext);
                try (KeyAndNonce k = KeySchedule.senderDataKeyAndNonce(SUITE, senderDataSecret(), ct)) {
                    byte[] esd = SUITE.aeadSeal(k.key().reveal(), k.nonce().reveal(),
                            new SenderDataAad(GROUP, EPOCH, ContentType.APPLICATION).toBytes(), sd.toBytes());
                    forged = new PrivateMessage(GROUP, EPOCH, ContentType.APPLICATION, new byte[] {1}, esd, ct);
                }
            }
            SecretTree receiving = tree();
            assertThrows(DecodeException.class,
                    () -> forged.unprotect(SUITE, context, senderDataSecret(), receiving, signers));
        }
        TlsWriter w = new TlsWriter();
        new PrivateMessageContent(app.content().content(), app.auth(), 10).encode(w);
        assertEquals(10, PrivateMessageContent.decode(w.toByteArray(), ContentType.APPLICATION).paddingLength());
    }

    @Test
    void proposalRefCoversTheWholeAuthenticatedContent() {
        Content remove = new Content.ProposalContent(new RemoveProposal(1));
        AuthenticatedContent a = signed(WireFormat.PUBLIC_MESSAGE, new Sender.Member(2), remove, member);
        AuthenticatedContent b = signed(WireFormat.PRIVATE_MESSAGE, new Sender.Member(2), remove, member);
        ProposalRef ref = a.proposalRef(SUITE);
        assertArrayEquals(SUITE.refHash("MLS 1.0 Proposal Reference", a.toBytes()), ref.value());
        assertEquals(ref, TlsReader.decodeExactly(a.toBytes(), AuthenticatedContent::decode).proposalRef(SUITE));
        assertNotEquals(ref, b.proposalRef(SUITE), "the wire format and signature are covered");
    }

    @Test
    void mlsMessageRefusesOtherVersionsAndWireFormats() {
        AuthenticatedContent ac = signed(WireFormat.PUBLIC_MESSAGE, new Sender.Member(2),
                new Content.ProposalContent(new RemoveProposal(1)), member);
        byte[] bytes = new MlsMessage.OfPublicMessage(PublicMessage.protect(SUITE, ac, context, membershipKey()))
                .toBytes();
        assertInstanceOf(MlsMessage.OfPublicMessage.class, MlsMessage.fromBytes(bytes));
        byte[] v2 = bytes.clone();
        v2[1] = 2;
        assertThrows(DecodeException.class, () -> MlsMessage.fromBytes(v2));
        for (int wf : new int[] {0, 6, 0xFF}) {
            byte[] other = bytes.clone();
            other[3] = (byte) wf;
            assertThrows(DecodeException.class, () -> MlsMessage.fromBytes(other));
        }
        byte[] sender = bytes.clone();
        int senderType = 4 + 1 + GROUP.length + 8;
        sender[senderType] = 5;
        assertThrows(DecodeException.class, () -> MlsMessage.fromBytes(sender));
    }
}
