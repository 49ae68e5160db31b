package dev.ampoule.relay.ds;

import static dev.ampoule.relay.ds.MlsInputs.checkEpoch;
import static dev.ampoule.relay.ds.MlsInputs.mlsOf;

import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Arrays;

/**
 * Application messages (PrivateMessage, RFC 9420 §6.3): the relay checks the sender's membership,
 * the care-team rules (archived team, fence), the group and epoch from the header and replay —
 * nothing else — then sequences and stores them. They do not wait for the group's handshake chain.
 * Event-loop confined.
 */
final class ApplicationMessages {

    private final StateProjection state;
    private final Sequencing sequencing;
    private final RosterEnforcement enforcement;
    private final RelayMetrics metrics;
    private final Clock clock;

    ApplicationMessages(StateProjection state, Sequencing sequencing, RosterEnforcement enforcement,
            RelayMetrics metrics, Clock clock) {
        this.state = state;
        this.sequencing = sequencing;
        this.enforcement = enforcement;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Validates, sequences and stores an application message. */
    Future<Long> send(DeviceId device, Frame.SendApplication frame) {
        GroupState g;
        PrivateMessage pm;
        Bytes hash;
        try {
            g = state.require(frame.groupId());
            if (!g.active(device)) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            enforcement.checkApplication(g);
            if (g.fenced) {
                throw new RelayException(ErrorCode.GROUP_FENCED, "a removal is pending", 1_000);
            }
            if (!(mlsOf(frame.message()) instanceof MlsMessage.OfPrivateMessage p)) {
                throw new ValidationException(RelayRule.WRONG_WIRE_FORMAT, "expected a PrivateMessage");
            }
            pm = p.message();
            if (!Arrays.equals(pm.groupId(), g.id.unsafeArray())) {
                throw new ValidationException(RelayRule.GROUP_ID_MISMATCH);
            }
            checkEpoch(pm.epoch(), g.epoch, false);
            hash = GroupSequencer.digest(frame.message());
            g.sequencer.checkReplay(hash);
        } catch (RuntimeException e) {
            return Future.failedFuture(Validation.translate(e));
        }
        long seq;
        try {
            seq = g.sequencer.assign(hash);
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        GroupMessage m = new GroupMessage(g.id, seq, pm.epoch(), MessageKind.APPLICATION, clock.millis(),
                frame.message());
        metrics.accepted("application");
        return sequencing.store(g, m, hash, new StoreRecord.MessageAccepted(m, hash), () -> { });
    }
}
