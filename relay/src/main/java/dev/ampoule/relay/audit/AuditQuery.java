package dev.ampoule.relay.audit;

import java.time.Instant;
import java.util.Optional;

/**
 * Which audit entries to return: those concerning a team and/or a user (as {@code team}/{@code
 * user}, or a user as {@code actor}), within {@code [from, to)}, oldest first, at most
 * {@code limit}, starting after entry {@code afterSeq} (paging).
 */
public record AuditQuery(Optional<String> team, Optional<String> user, Optional<Instant> from, Optional<Instant> to,
        long afterSeq, int limit) {

    public static final int MAX_LIMIT = 10_000;

    public AuditQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be within 1.." + MAX_LIMIT);
        }
    }
}
