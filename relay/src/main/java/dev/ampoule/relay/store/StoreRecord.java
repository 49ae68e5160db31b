package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;

/**
 * A durable change of the relay's state. The Delivery Service appends one per accepted operation
 * and rebuilds its state by replaying them in order; a store implementation persists each one
 * atomically (a record is there entirely or not at all after a crash).
 */
public sealed interface StoreRecord {

    /** A device published a KeyPackage (its ref is the KeyPackageRef, RFC 9420 §5.2). */
    record KeyPackageAdded(DeviceId device, Bytes ref, int cipherSuite, Bytes keyPackage, boolean lastResort)
            implements StoreRecord {
    }

    /** An ordinary KeyPackage was handed out (last-resort packages are never taken). */
    record KeyPackageTaken(DeviceId device, Bytes ref) implements StoreRecord {
    }

    /** A group was registered: its first GroupInfo and ratchet tree. */
    record GroupCreated(Bytes groupId, DeviceId creator, long epoch, Bytes groupInfo, Bytes ratchetTree,
            long timestampMillis) implements StoreRecord {
    }

    /**
     * An application message or a proposal was accepted. {@code digest} is the SHA-256 of the
     * message bytes (replay detection survives a restart; empty if not known).
     */
    record MessageAccepted(GroupMessage message, Bytes digest) implements StoreRecord {
        public MessageAccepted(GroupMessage message) {
            this(message, Bytes.EMPTY);
        }
    }

    /**
     * A Commit was accepted: the message, the new epoch's GroupInfo and tree, the devices it added
     * (each starts receiving after the commit; with a Welcome, {@code mailboxSeq} is the Welcome's
     * place in the device's mailbox, else 0) and the devices it removed (they receive up to and
     * including the commit).
     */
    record CommitAccepted(GroupMessage commit, Bytes groupInfo, Bytes ratchetTree, Bytes welcome,
            List<Joined> joined, List<DeviceId> departed) implements StoreRecord {
        public CommitAccepted {
            joined = List.copyOf(joined);
            departed = List.copyOf(departed);
        }
    }

    /** A device added by a commit. */
    record Joined(DeviceId device, long mailboxSeq) {
    }

    /** A device acknowledged the group's messages up to {@code seq}. */
    record CursorMoved(DeviceId device, Bytes groupId, long seq) implements StoreRecord {
    }

    /** A device acknowledged its mailbox up to {@code seq}. */
    record MailboxAcked(DeviceId device, long seq) implements StoreRecord {
    }

    // ---- records of a compacted store (written by a checkpoint, see Store#compact) -----------

    /**
     * A group's whole state at a checkpoint: its epoch's GroupInfo and tree, the sequence number of
     * the message that made them current ({@code stateSeq}, 0 for the creation) and the next
     * sequence number to assign.
     */
    record GroupState(Bytes groupId, DeviceId creator, long epoch, long stateSeq, long nextSeq, Bytes groupInfo,
            Bytes ratchetTree) implements StoreRecord {
    }

    /** A Welcome waiting in a device's mailbox. */
    record MailboxEntry(DeviceId device, long mailboxSeq, Bytes groupId, long groupSeq, Bytes welcome,
            long timestampMillis) implements StoreRecord {
    }

    /**
     * A device leaves a group's delivery: it receives up to {@code untilSeq} and nothing after,
     * unless a later commit added it again ({@code rejoinSeq}, 0 if not). Written when the relay cuts
     * a device off ahead of the commit that removes it, and by a checkpoint for each removal not yet
     * served to its end.
     */
    record Departed(Bytes groupId, DeviceId device, long untilSeq, long rejoinSeq, long timestampMillis)
            implements StoreRecord {
    }

    /**
     * At a checkpoint: a device receives a group's messages after {@code sinceSeq} (before its
     * {@link Departed} records, which follow it).
     */
    record MemberSince(Bytes groupId, DeviceId device, long sinceSeq) implements StoreRecord {
    }

    // ---- roster enforcement --------------------------------------------------------------------

    /**
     * A user was erased (GDPR art. 17): their KeyPackages and their devices' mailboxes and cursors
     * are gone from here on. Not kept by a checkpoint (the state it leaves is).
     */
    record UserErased(String userId) implements StoreRecord {
    }

    /**
     * A device registered a signature key: it published a KeyPackage whose leaf carries that key
     * (RFC 9420 §5.1.2 SignaturePublicKey, its bytes) over its own authenticated connection. A leaf
     * of a care-team group enters or changes only with a key its device registered. Kept by a
     * checkpoint (the most recent keys of each device), gone with the user's erasure.
     */
    record SignatureKeyRegistered(DeviceId device, Bytes signatureKey) implements StoreRecord {
    }
}
