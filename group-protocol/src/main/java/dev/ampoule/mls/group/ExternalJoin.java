package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.MlsMessage;

/**
 * The outcome of {@link Group#joinExternal}: the joiner's group, pending until the external Commit
 * is accepted ({@link Group#mergePendingCommit()}), and the Commit to send (RFC 9420 §12.4.3.2).
 */
public record ExternalJoin(Group group, MlsMessage commit) {}
