package dev.ampoule.mls.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.schedule.EncryptionSecret;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.MembershipKey;
import dev.ampoule.mls.schedule.RatchetWindow;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * message-protection.json (RFC 9420 §6): GroupContext from the given fields with no extensions, a
 * secret tree of two leaves, sender leaf 1. Each given PublicMessage and PrivateMessage unprotects
 * to the raw proposal, commit or application data; protecting the raw value again and unprotecting
 * it gives it back; application data is refused as a PublicMessage.
 */
@ExtendWith(VectorTally.class)
class MessageProtectionVectorTest {

    static final String FILE = "message-protection.json";
    static final int SENDER = 1;

    record Case(int cipherSuite, byte[] groupId, long epoch, byte[] treeHash, byte[] confirmedTranscriptHash,
            byte[] signaturePriv, byte[] signaturePub, byte[] encryptionSecret, byte[] senderDataSecret,
            byte[] membershipKey, byte[] proposal, byte[] proposalPriv, byte[] proposalPub, byte[] commit,
            byte[] commitPriv, byte[] commitPub, byte[] application, byte[] applicationPriv) {
        @Override
        public String toString() {
            return "suite " + cipherSuite;
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    /** The epoch state of one party: the context and its own copy of the epoch's secrets. */
    private record Party(CipherSuite suite, GroupContext context, MembershipKey membershipKey,
            SenderDataSecret senderDataSecret, SecretTree tree, SignerKeys signers) {

        static Party of(CipherSuite suite, Case c) {
            GroupContext ctx = new GroupContext(c.cipherSuite(), c.groupId(), c.epoch(), c.treeHash(),
                    c.confirmedTranscriptHash(), List.of());
            SecretTree tree = SecretTree.create(suite, new EncryptionSecret(c.encryptionSecret().clone()), 2,
                    RatchetWindow.DEFAULT);
            SignaturePublicKey pub = new SignaturePublicKey(c.signaturePub());
            SignerKeys signers = content -> {
                assertEquals(new Sender.Member(SENDER), content.sender());
                return pub;
            };
            return new Party(suite, ctx, new MembershipKey(c.membershipKey().clone()),
                    new SenderDataSecret(c.senderDataSecret().clone()), tree, signers);
        }

        AuthenticatedContent open(byte[] mlsMessage) {
            return switch (MlsMessage.fromBytes(mlsMessage)) {
                case MlsMessage.OfPublicMessage m ->
                        m.message().unprotect(suite, context, membershipKey, signers).authenticatedContent();
                case MlsMessage.OfPrivateMessage m ->
                        m.message().unprotect(suite, context, senderDataSecret, tree, signers).authenticatedContent();
                default -> throw new AssertionError("not a public or private message");
            };
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void protectAndUnprotect(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        Party receiver = Party.of(suite, c);
        Party sender = Party.of(suite, c);
        SignaturePrivateKey key = new SignaturePrivateKey(c.signaturePriv().clone());

        // the given messages; each was encrypted independently (handshake generation 0 for both the
        // proposal and the commit), so each is opened with a fresh copy of the epoch's state
        assertProposal(c, Party.of(suite, c).open(c.proposalPub()), WireFormat.PUBLIC_MESSAGE);
        assertProposal(c, Party.of(suite, c).open(c.proposalPriv()), WireFormat.PRIVATE_MESSAGE);
        assertCommit(c, Party.of(suite, c).open(c.commitPub()), WireFormat.PUBLIC_MESSAGE);
        assertCommit(c, Party.of(suite, c).open(c.commitPriv()), WireFormat.PRIVATE_MESSAGE);
        assertApplication(c, Party.of(suite, c).open(c.applicationPriv()));

        // our own protection of the raw values, opened by the other party
        Proposal proposal = TlsReader.decodeExactly(c.proposal(), Proposal::decode);
        Commit commit = TlsReader.decodeExactly(c.commit(), Commit::decode);
        byte[] tag = suite.randomBytes(suite.hashLength());
        for (WireFormat wf : List.of(WireFormat.PUBLIC_MESSAGE, WireFormat.PRIVATE_MESSAGE)) {
            AuthenticatedContent p = AuthenticatedContent.sign(suite, key, wf,
                    content(c, new Content.ProposalContent(proposal)), sender.context());
            assertProposal(c, receiver.open(protect(sender, p)), wf);

            FramedContent fc = content(c, new Content.CommitContent(commit));
            byte[] sig = AuthenticatedContent.signCommit(suite, key, wf, fc, sender.context());
            assertCommit(c, receiver.open(protect(sender, AuthenticatedContent.ofCommit(wf, fc, sig, tag))), wf);
        }
        AuthenticatedContent app = AuthenticatedContent.sign(suite, key, WireFormat.PRIVATE_MESSAGE,
                content(c, new Content.ApplicationData(c.application())), sender.context());
        assertApplication(c, receiver.open(protect(sender, app)));

        // application data is never a PublicMessage
        AuthenticatedContent appPublic = AuthenticatedContent.sign(suite, key, WireFormat.PUBLIC_MESSAGE,
                content(c, new Content.ApplicationData(c.application())), sender.context());
        var refused = assertThrows(ValidationException.class,
                () -> PublicMessage.protect(suite, appPublic, sender.context(), sender.membershipKey()));
        assertEquals(FramingRule.APPLICATION_NOT_PRIVATE, refused.rule());
        byte[] forged = new MlsMessage.OfPublicMessage(new PublicMessage(appPublic.content(), appPublic.auth(),
                java.util.Optional.of(suite.mac(c.membershipKey(), new byte[1])))).toBytes();
        var refusedOnReceipt = assertThrows(ValidationException.class, () -> receiver.open(forged));
        assertEquals(FramingRule.APPLICATION_NOT_PRIVATE, refusedOnReceipt.rule());
    }

    private static FramedContent content(Case c, Content body) {
        return new FramedContent(c.groupId(), c.epoch(), new Sender.Member(SENDER),
                "authenticated data".getBytes(StandardCharsets.US_ASCII), body);
    }

    private static byte[] protect(Party sender, AuthenticatedContent ac) {
        MlsMessage m = switch (ac.wireFormat()) {
            case PUBLIC_MESSAGE -> new MlsMessage.OfPublicMessage(
                    PublicMessage.protect(sender.suite(), ac, sender.context(), sender.membershipKey()));
            case PRIVATE_MESSAGE -> new MlsMessage.OfPrivateMessage(
                    PrivateMessage.protect(sender.suite(), ac, 7, sender.senderDataSecret(), sender.tree()));
            default -> throw new AssertionError(ac.wireFormat());
        };
        return m.toBytes();
    }

    private static void assertProposal(Case c, AuthenticatedContent ac, WireFormat wf) {
        assertEquals(wf, ac.wireFormat());
        assertEquals(new Sender.Member(SENDER), ac.sender());
        Content.ProposalContent p = assertInstanceOf(Content.ProposalContent.class, ac.content().content());
        assertArrayEquals(c.proposal(), p.proposal().toBytes());
    }

    private static void assertCommit(Case c, AuthenticatedContent ac, WireFormat wf) {
        assertEquals(wf, ac.wireFormat());
        Content.CommitContent p = assertInstanceOf(Content.CommitContent.class, ac.content().content());
        assertArrayEquals(c.commit(), p.commit().toBytes());
        assertEquals(TestVectors.suite(c.cipherSuite()).hashLength(), ac.confirmationTag().length);
    }

    private static void assertApplication(Case c, AuthenticatedContent ac) {
        assertEquals(WireFormat.PRIVATE_MESSAGE, ac.wireFormat());
        Content.ApplicationData a = assertInstanceOf(Content.ApplicationData.class, ac.content().content());
        assertArrayEquals(c.application(), a.data());
    }
}
