package dev.ampoule.relay.ds;

import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;

/**
 * Decoding the MLS messages frames carry into the type a frame needs, and the epoch check every
 * handshake and application message passes (RFC 9420 §6): shared by the Delivery Service's duties.
 */
final class MlsInputs {

    private MlsInputs() {
    }

    static void checkEpoch(long messageEpoch, long groupEpoch, boolean commit) {
        if (messageEpoch < groupEpoch) {
            if (commit && messageEpoch == groupEpoch - 1) {
                throw new RelayException(ErrorCode.COMMIT_CONFLICT, "another commit was accepted for epoch " + messageEpoch);
            }
            throw new RelayException(ErrorCode.STALE_EPOCH, "epoch " + messageEpoch + " < group epoch " + groupEpoch);
        }
        if (messageEpoch > groupEpoch) {
            throw new RelayException(ErrorCode.FUTURE_EPOCH, "epoch " + messageEpoch + " > group epoch " + groupEpoch);
        }
    }

    static MlsMessage mlsOf(Bytes bytes) {
        return MlsMessage.fromBytes(bytes.unsafeArray());
    }

    static GroupInfo groupInfoOf(Bytes bytes) {
        if (mlsOf(bytes) instanceof MlsMessage.OfGroupInfo gi) {
            return gi.groupInfo();
        }
        throw new ValidationException(RelayRule.WRONG_WIRE_FORMAT, "expected a GroupInfo");
    }

    static PublicMessage publicMessageOf(Bytes bytes) {
        if (mlsOf(bytes) instanceof MlsMessage.OfPublicMessage pm) {
            return pm.message();
        }
        throw new ValidationException(RelayRule.WRONG_WIRE_FORMAT, "expected a PublicMessage");
    }
}
