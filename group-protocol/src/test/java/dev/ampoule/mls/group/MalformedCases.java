package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.flip;
import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.MatrixCase.Attempt;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.RemoveProposal;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Malformed bytes (RFC 9420 §6): truncated, extended and bit-flipped MLSMessages. What cannot
 * decode fails with a DecodeException; what still decodes is refused by the check its flipped bit
 * hits. Either way every state is unchanged.
 */
final class MalformedCases {

    private MalformedCases() {}

    /**
     * Offsets in a member's PublicMessage of a trio (16-byte group id, one-byte length): version
     * and wire format (4), group id (1 + 16), epoch (8), then the sender type.
     */
    private static final int GROUP_ID = 5;
    private static final int EPOCH_LAST_BYTE = 4 + 1 + 16 + 7;
    private static final int SENDER_TYPE = 4 + 1 + 16 + 8;
    /** Sender type and leaf index (5), empty authenticated data (1), then the content type. */
    private static final int CONTENT_TYPE = SENDER_TYPE + 5 + 1;

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("malformed bytes");

        // ---- a member's commit that no longer decodes --------------------------------------------------
        c.both("commit missing its last byte", MatrixCase.Malformed.DECODE,
                () -> commitBytes(b -> Arrays.copyOf(b, b.length - 1)));
        c.both("commit cut in half", MatrixCase.Malformed.DECODE,
                () -> commitBytes(b -> Arrays.copyOf(b, b.length / 2)));
        c.both("commit with a trailing byte", MatrixCase.Malformed.DECODE,
                () -> commitBytes(b -> Arrays.copyOf(b, b.length + 1)));
        c.both("empty message", MatrixCase.Malformed.DECODE, () -> commitBytes(b -> new byte[0]));
        c.both("message of protocol version 2", MatrixCase.Malformed.DECODE, () -> commitBytes(b -> {
            b[1] = 2;
            return b;
        }));
        c.both("message of an unknown wire format", MatrixCase.Malformed.DECODE, () -> commitBytes(b -> {
            b[3] = (byte) 0xFF;
            return b;
        }));
        c.both("group id length running past the end", MatrixCase.Malformed.DECODE, () -> commitBytes(b -> {
            b[4] = (byte) 0x7F;
            return b;
        }));
        c.both("invalid sender type", MatrixCase.Malformed.DECODE, () -> commitBytes(b -> {
            b[SENDER_TYPE] = 9;
            return b;
        }));
        c.both("invalid content type", MatrixCase.Malformed.DECODE, () -> commitBytes(b -> {
            b[CONTENT_TYPE] = 9;
            return b;
        }));
        c.both("proposal of an unknown type", MatrixCase.Malformed.DECODE, () -> {
            Trio t = Trio.create();
            byte[] b = Forge.proposal(t.alice, new RemoveProposal(2)).toBytes();
            b[CONTENT_TYPE + 2] = (byte) 0x7E;
            return t.deliverBytes(t.bob, b, true);
        });

        // ---- bit flips that still decode ---------------------------------------------------------------
        c.relayAccepts("commit with a flipped membership tag bit", FramingRule.MEMBERSHIP_TAG,
                () -> commitBytes(Forge::flipLast));
        c.relayRule("proposal with a flipped signature bit", FramingRule.MEMBERSHIP_TAG, FramingRule.SIGNATURE, () -> {
            Trio t = Trio.create();
            byte[] b = Forge.proposal(t.alice, new RemoveProposal(2)).toBytes();
            // The membership tag (a length byte and Nh bytes) ends the message; the signature precedes it.
            return t.deliverBytes(t.bob, flip(b, b.length - SUITE.hashLength() - 2), true);
        });
        c.both("commit with a flipped epoch bit", FramingRule.WRONG_EPOCH,
                () -> commitBytes(b -> flip(b, EPOCH_LAST_BYTE)));
        c.both("commit with a flipped group id bit", FramingRule.WRONG_GROUP,
                () -> commitBytes(b -> flip(b, GROUP_ID)));

        // ---- PrivateMessages -------------------------------------------------------------------------
        c.member("application message missing its last byte", MatrixCase.Malformed.DECODE, () -> {
            Trio t = Trio.create();
            byte[] b = t.alice.encrypt(utf8("hello"), new byte[0]).toBytes();
            return t.deliverBytes(t.bob, Arrays.copyOf(b, b.length - 1), false);
        });
        c.member("application message with a flipped epoch bit", GroupRule.EPOCH_NOT_AVAILABLE, () -> {
            Trio t = Trio.create();
            return t.deliverBytes(t.bob, flip(t.alice.encrypt(utf8("hello"), new byte[0]).toBytes(),
                    EPOCH_LAST_BYTE), false);
        });
        c.member("application message with a flipped ciphertext bit", CryptoRule.AEAD_OPEN_FAILED, () -> {
            Trio t = Trio.create();
            return t.deliverBytes(t.bob, flipLast(t.alice.encrypt(utf8("hello"), new byte[0]).toBytes()), false);
        });

        // ---- Welcome, GroupInfo, KeyPackage ----------------------------------------------------------
        c.member("truncated Welcome", MatrixCase.Malformed.DECODE, () -> {
            Trio t = Trio.create();
            KeyPackageBundle dave = TestClients.keyPackage("dave");
            PendingCommit add = t.alice.commit(CommitOptions.builder().add(dave.keyPackage()).build());
            byte[] b = add.welcome().orElseThrow().toBytes();
            byte[] cut = Arrays.copyOf(b, b.length - 3);
            return t.local(() -> Group.join(CONFIG, ((MlsMessage.OfWelcome) MlsMessage.fromBytes(cut)).welcome(),
                    dave, Optional.empty())).then(() -> t.joinsAfterAll(add, dave, false, CONFIG.pskLookup()));
        });
        c.member("Welcome with a flipped bit in its encrypted GroupInfo", CryptoRule.HPKE_OPEN_FAILED, () -> {
            Trio t = Trio.create();
            KeyPackageBundle dave = TestClients.keyPackage("dave");
            PendingCommit add = t.alice.commit(CommitOptions.builder().add(dave.keyPackage()).build());
            byte[] bad = flipLast(add.welcome().orElseThrow().toBytes());
            return t.local(() -> Group.join(CONFIG, ((MlsMessage.OfWelcome) MlsMessage.fromBytes(bad)).welcome(),
                    dave, Optional.empty())).then(() -> t.joinsAfterAll(add, dave, false, CONFIG.pskLookup()));
        });
        c.both("truncated GroupInfo", MatrixCase.Malformed.DECODE, () -> {
            Trio t = Trio.create();
            byte[] b = new MlsMessage.OfGroupInfo(t.alice.groupInfo(true)).toBytes();
            byte[] cut = Arrays.copyOf(b, b.length - 1);
            return t.local(() -> Group.joinExternal(CONFIG, groupInfo(cut), Optional.empty(), credential("dave"),
                    SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults()))
                    .withRelayAction(() -> PublicGroup.fromGroupInfo(CONFIG, groupInfo(cut), Optional.empty()));
        });
        c.member("truncated KeyPackage", MatrixCase.Malformed.DECODE, () -> {
            Trio t = Trio.create();
            byte[] b = new MlsMessage.OfKeyPackage(TestClients.keyPackage("dave").keyPackage()).toBytes();
            byte[] cut = Arrays.copyOf(b, b.length - 1);
            return t.local(() -> t.alice.proposeAdd(((MlsMessage.OfKeyPackage) MlsMessage.fromBytes(cut))
                    .keyPackage()));
        });
        return c.cases();
    }

    private static GroupInfo groupInfo(byte[] bytes) {
        return ((MlsMessage.OfGroupInfo) MlsMessage.fromBytes(bytes)).groupInfo();
    }

    @FunctionalInterface
    private interface BytesEdit {
        byte[] edit(byte[] bytes);
    }

    /** Alice's genuine commit (with a path) as bytes, edited, to bob and the relay. */
    private static Attempt commitBytes(BytesEdit edit) {
        Trio t = Trio.create();
        byte[] bytes = Forge.genuinePathCommit(t.alice).toBytes();
        return t.deliverBytes(t.bob, edit.edit(bytes), true);
    }
}
