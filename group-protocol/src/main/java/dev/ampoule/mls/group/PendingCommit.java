package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.GroupInfo;
import java.util.Optional;

/**
 * A Commit this member created (RFC 9420 §12.4.1) and has not yet applied: the message to send,
 * the Welcome for the members it adds (to be delivered only once the Commit is accepted, §14), an
 * optional GroupInfo of the new epoch for external joiners, and the staged new state. Apply it
 * with {@link Group#mergePendingCommit()} once the Delivery Service accepted the Commit, or drop
 * it with {@link Group#discardPendingCommit()}.
 */
public final class PendingCommit {

    private final MlsMessage commit;
    private final Optional<MlsMessage> welcome;
    private final Optional<GroupInfo> groupInfo;
    final StagedCommit staged;
    final byte[] encoded;

    PendingCommit(MlsMessage commit, Optional<MlsMessage> welcome, Optional<GroupInfo> groupInfo, StagedCommit staged) {
        this.commit = commit;
        this.welcome = welcome;
        this.groupInfo = groupInfo;
        this.staged = staged;
        this.encoded = commit.toBytes();
    }

    /** The Commit, as PublicMessage or PrivateMessage per the group's configuration. */
    public MlsMessage commit() {
        return commit;
    }

    /** The Welcome for the added members, when the Commit adds any. */
    public Optional<MlsMessage> welcome() {
        return welcome;
    }

    /** A signed GroupInfo of the new epoch with external_pub and the ratchet tree, when asked for. */
    public Optional<GroupInfo> groupInfo() {
        return groupInfo;
    }

    /** What the Commit does. */
    public StagedCommit staged() {
        return staged;
    }

    @Override
    public String toString() {
        return "PendingCommit[" + staged + "]";
    }
}
