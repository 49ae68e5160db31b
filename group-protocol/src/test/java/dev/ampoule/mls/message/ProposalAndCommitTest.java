package dev.ampoule.mls.message;

import static dev.ampoule.mls.message.Fixtures.SUITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalPub;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.WelcomeSecret;
import dev.ampoule.mls.treekem.UpdatePath;
import dev.ampoule.mls.vectors.TestVectors;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Proposals (RFC 9420 §12.1), ProposalOrRef and Commit (§12.4), GroupInfo (§12.4.3). */
class ProposalAndCommitTest {

    static final byte[] GROUP = {1, 2, 3, 4};

    @Test
    void everyProposalTypeRoundTripsWithItsTag() {
        Fixtures.Client alice = Fixtures.client("alice");
        List<Proposal> all = List.of(
                new AddProposal(alice.keyPackage()),
                new UpdateProposal(Fixtures.updateLeaf(alice, GROUP, 3)),
                new RemoveProposal(0xFFFF_FFFFL),
                new PreSharedKeyProposal(new PreSharedKeyId.External(new byte[] {9}, new byte[32])),
                new PreSharedKeyProposal(new PreSharedKeyId.Resumption(ResumptionPskUsage.APPLICATION, GROUP, 7,
                        new byte[32])),
                new ReInitProposal(GROUP, 1, 3, List.of(new Extension(0x0A0A, new byte[0]))),
                new ExternalInitProposal(new byte[] {5, 6}),
                new GroupContextExtensionsProposal(List.of(new Extension(ExtensionType.EXTERNAL_SENDERS, new byte[] {0}))));
        int[] tags = {1, 2, 3, 4, 4, 5, 6, 7};
        for (int i = 0; i < all.size(); i++) {
            Proposal p = all.get(i);
            byte[] bytes = p.toBytes();
            assertEquals(tags[i], (bytes[0] & 0xFF) << 8 | bytes[1] & 0xFF);
            assertEquals(tags[i], p.type());
            Proposal back = TlsReader.decodeExactly(bytes, Proposal::decode);
            assertEquals(p.getClass(), back.getClass());
            assertArrayEquals(bytes, back.toBytes());
            if (!(p instanceof AddProposal) && !(p instanceof UpdateProposal)) {
                assertEquals(p, back, "value equality of " + p.getClass().getSimpleName());
            }
        }
    }

    @Test
    void unknownProposalTypeCannotBeDecoded() {
        // Type 8 (or a GREASE value) has no length prefix to skip by: the message is malformed.
        for (int type : new int[] {0, 8, 0x0A0A, 0xFFFF}) {
            byte[] bytes = {(byte) (type >>> 8), (byte) type, 0, 0, 0, 0};
            var e = assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(bytes, Proposal::decode));
            assertTrue(e.getMessage().contains("proposal type"));
        }
    }

    @Test
    void removeKeepsTheFullUint32() {
        RemoveProposal r = TlsReader.decodeExactly(TestVectors.hex("fffffffe"), RemoveProposal::decodeBody);
        assertEquals(0xFFFF_FFFEL, r.removed());
        assertEquals(OptionalInt.empty(), r.leafIndexIn(8));
        assertEquals(OptionalInt.of(5), new RemoveProposal(5).leafIndexIn(8));
        assertEquals(OptionalInt.empty(), new RemoveProposal(8).leafIndexIn(8));
    }

    @Test
    void proposalOrRefAndCommit() {
        ProposalRef ref = new ProposalRef(new byte[32]);
        Commit commit = new Commit(List.of(new ProposalOrRef.ByValue(new RemoveProposal(2)),
                new ProposalOrRef.ByReference(ref)), Optional.empty());
        Commit back = TlsReader.decodeExactly(commit.toBytes(), Commit::decode);
        assertEquals(commit, back);
        assertInstanceOf(ProposalOrRef.ByReference.class, back.proposals().get(1));

        byte[] bad = commit.toBytes();
        bad[1] = 3; // first ProposalOrRefType
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(bad, Commit::decode));
        byte[] badOptional = commit.toBytes();
        badOptional[badOptional.length - 1] = 2; // optional<UpdatePath> presence octet
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(badOptional, Commit::decode));

        Fixtures.Client alice = Fixtures.client("alice");
        UpdatePath path = new UpdatePath(alice.keyPackage().leafNode(), List.of(new UpdatePath.UpdatePathNode(
                alice.initKey().publicKey(), List.of(new HpkeCiphertext(new byte[] {1}, new byte[] {2})))));
        Commit full = new Commit(List.of(), Optional.of(path));
        assertArrayEquals(full.toBytes(), TlsReader.decodeExactly(full.toBytes(), Commit::decode).toBytes());

        assertTrue(Commit.pathRequired(List.of()), "empty commit");
        assertFalse(Commit.pathRequired(List.of(ProposalType.ADD, ProposalType.PSK, ProposalType.REINIT)));
        assertTrue(Commit.pathRequired(List.of(ProposalType.ADD, ProposalType.REMOVE)));
        assertTrue(Commit.pathRequired(List.of(ProposalType.GROUP_CONTEXT_EXTENSIONS)));
        assertTrue(ProposalType.allowedFromExternalSender(ProposalType.REMOVE));
        assertFalse(ProposalType.allowedFromExternalSender(ProposalType.UPDATE));
        assertFalse(ProposalType.allowedFromExternalSender(ProposalType.EXTERNAL_INIT));
    }

    @Test
    void groupInfoSignsEncryptsAndDecrypts() {
        SignatureKeyPair signer = SUITE.generateSignatureKeyPair();
        GroupContext ctx = new GroupContext(1, GROUP, 9, new byte[32], new byte[32], List.of());
        Extension pub = new ExternalPub(SUITE.generateHpkeKeyPair().publicKey()).toExtension();
        GroupInfo gi = GroupInfo.create(SUITE, signer.privateKey(), ctx, List.of(pub), new byte[32], 4);
        assertTrue(gi.verifySignature(SUITE, signer.publicKey()));
        assertFalse(gi.verifySignature(SUITE, SUITE.generateSignatureKeyPair().publicKey()));
        assertEquals(Optional.of(pub), gi.extension(ExtensionType.EXTERNAL_PUB));

        GroupInfo decoded = TlsReader.decodeExactly(gi.toBytes(), GroupInfo::decode);
        assertEquals(gi, decoded);

        WelcomeSecret secret = new WelcomeSecret(SUITE.randomBytes(32));
        byte[] sealed = gi.encrypt(SUITE, secret);
        assertEquals(gi, GroupInfo.decrypt(SUITE, secret, sealed));
        assertThrows(dev.ampoule.mls.error.ValidationException.class,
                () -> GroupInfo.decrypt(SUITE, new WelcomeSecret(SUITE.randomBytes(32)), sealed));
    }
}
