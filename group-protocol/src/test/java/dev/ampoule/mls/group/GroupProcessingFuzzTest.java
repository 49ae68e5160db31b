package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.Welcome;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz targets {@code group} and {@code public-group}: an incoming MLSMessage processed by a member
 * ({@link Group#process}; a Welcome joins as Erin, a GroupInfo starts an external join) and by the
 * Delivery Service ({@link PublicGroup}: proposals validated and cached, Commits staged and merged,
 * as the relay does). A message that is refused fails with a {@link ValidationException} or a
 * {@link DecodeException} only, and leaves the group exactly as it was: its whole saved state
 * (secrets, tree, proposals, ratchets) is byte for byte the same. Seeds: the genuine messages of
 * one epoch of a live group ({@link FuzzGroups}), made at test time.
 */
class GroupProcessingFuzzTest {

    private static final FuzzGroups GROUPS = FuzzGroups.create();
    private static final byte[] MEMBER_STATE = GROUPS.receiver.toBytes();
    private static final byte[] PUBLIC_STATE = GROUPS.deliveryService.toBytes();
    private static final SignatureKeyPair FRANK = FuzzGroups.SUITE.generateSignatureKeyPair();

    private static Group member = GROUPS.receiver;
    private static PublicGroup relay = GROUPS.deliveryService.copy();

    static List<byte[]> seeds() {
        return GROUPS.messages;
    }

    @MethodSource("seeds")
    @FuzzTest
    void member(byte[] data) {
        MlsMessage message;
        try {
            message = MlsMessage.fromBytes(data);
        } catch (DecodeException refused) {
            return;
        }
        try {
            switch (message) {
                case MlsMessage.OfWelcome w -> join(w.welcome());
                case MlsMessage.OfGroupInfo gi -> externalJoin(gi.groupInfo());
                case MlsMessage.OfKeyPackage kp -> { }
                default -> receive(message);
            }
        } catch (ValidationException | DecodeException refused) {
            assertArrayEquals(MEMBER_STATE, member.toBytes(), "a refused message must leave the member's group as it was");
        }
    }

    @MethodSource("seeds")
    @FuzzTest
    void deliveryService(byte[] data) {
        PublicMessage message;
        try {
            if (!(MlsMessage.fromBytes(data) instanceof MlsMessage.OfPublicMessage pm)) {
                return; // the relay answers WRONG_WIRE_FORMAT
            }
            message = pm.message();
        } catch (DecodeException refused) {
            return;
        }
        try {
            if (message.content().contentType() == ContentType.COMMIT) {
                relay.merge(relay.stageCommit(message));
            } else if (message.content().contentType() == ContentType.PROPOSAL) {
                relay.processProposal(message);
            } else {
                relay.verify(message);
            }
        } catch (ValidationException | DecodeException refused) {
            assertArrayEquals(PUBLIC_STATE, relay.toBytes(), "a refused message must leave the public group as it was");
            return;
        }
        relay = PublicGroup.restore(PUBLIC_STATE, GROUPS.config);
    }

    /** The seeds are worth mutating: each one passes every check. */
    @Test
    void theSeedsAreAccepted() {
        int handshakes = 0;
        for (byte[] seed : GROUPS.messages) {
            MlsMessage m = MlsMessage.fromBytes(seed);
            switch (m) {
                case MlsMessage.OfWelcome w -> assertEquals(2, join(w.welcome()).epoch());
                case MlsMessage.OfGroupInfo gi -> externalJoin(gi.groupInfo());
                case MlsMessage.OfKeyPackage kp -> kp.keyPackage().validate(FuzzGroups.SUITE);
                default -> receive(m);
            }
            if (m instanceof MlsMessage.OfPublicMessage pm && pm.message().content().contentType() != ContentType.APPLICATION) {
                PublicGroup ds = GROUPS.deliveryService.copy();
                if (pm.message().content().contentType() == ContentType.COMMIT) {
                    ds.merge(ds.stageCommit(pm.message()));
                    assertEquals(2, ds.epoch());
                } else {
                    ds.processProposal(pm.message());
                    assertEquals(1, ds.pendingProposals().size());
                }
                handshakes++;
            }
        }
        assertTrue(handshakes >= 10, "public handshake seeds: " + handshakes);
    }

    private static void receive(MlsMessage message) {
        long epoch = member.epoch();
        Processed processed = member.process(message);
        if (processed instanceof StagedCommit staged) {
            assertEquals(epoch, member.epoch(), "staging a Commit changes nothing");
            member.merge(staged);
        }
        member = Group.restore(MEMBER_STATE, GROUPS.config);
    }

    private static Group join(Welcome welcome) {
        return Group.join(GROUPS.config, welcome, GROUPS.joiner, Optional.empty());
    }

    private static void externalJoin(GroupInfo groupInfo) {
        Group.joinExternal(GROUPS.config, groupInfo, Optional.empty(), FuzzGroups.credential("frank"), FRANK,
                ExternalJoinOptions.defaults());
    }
}
