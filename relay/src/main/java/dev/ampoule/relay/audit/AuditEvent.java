package dev.ampoule.relay.audit;

import java.util.Map;
import java.util.Optional;

/**
 * One thing to audit. Only identifiers and codes go in: user, device, team and group ids,
 * sequence numbers, epochs, error codes, HTTP methods and path templates. Never a token, key,
 * ciphertext, message content or team name (which may describe a patient).
 *
 * @param actor the user who did it ({@value #RELAY_ACTOR} for the relay itself), if any
 * @param team the team (= group id as text) concerned, if any
 * @param user the user concerned (the subject of a roster change, the one who logged in…), if any
 * @param details further identifiers, e.g. {@code device}, {@code seq}, {@code epoch}, {@code code}
 */
public record AuditEvent(AuditType type, Optional<String> actor, Optional<String> team, Optional<String> user,
        Map<String, String> details) {

    /** The actor of what the relay does by itself (it is no user). */
    public static final String RELAY_ACTOR = "relay";

    public AuditEvent {
        details = Map.copyOf(details);
    }

    public static AuditEvent of(AuditType type, String actor, String team, String user, Map<String, String> details) {
        return new AuditEvent(type, Optional.ofNullable(actor), Optional.ofNullable(team), Optional.ofNullable(user),
                details);
    }
}
