package dev.ampoule.relay.audit;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * The audit entries of one organisation: what its admins may read. An entry belongs to
 * <ol>
 * <li>the organisation of its {@code team}, when that is a care team;</li>
 * <li>otherwise (no team, or a group that is no care team) the organisation of its {@code user}, the
 *     user the entry is about (who logged in, whose KeyPackages were claimed, who was erased), when
 *     the relay knows it;</li>
 * <li>otherwise the organisation of its {@code actor} (never {@value AuditEvent#RELAY_ACTOR}), when
 *     the relay knows it;</li>
 * <li>otherwise to no organisation: an entry naming no team and no user of a known organisation
 *     (a refused login with an invalid token, the logins of a user who never had an {@code org}
 *     claim nor a team) is read only from the log file itself, by the relay's operators.</li>
 * </ol>
 * So an entry belongs to at most one organisation, and another organisation's admin attempting
 * something on a user is that user's organisation's entry. The decision is taken when the entry is
 * read, from what the relay knows then: once a user's organisation is recorded (it never changes),
 * every entry about them is that organisation's, those written before included.
 */
public record AuditScope(String orgId, Organisations orgs) implements Predicate<AuditEntry> {

    @Override
    public boolean test(AuditEntry entry) {
        return owner(entry.event(), orgs).map(orgId::equals).orElse(false);
    }

    /** The organisation {@code event} belongs to, if any (the rule above). */
    public static Optional<String> owner(AuditEvent event, Organisations orgs) {
        Optional<String> team = event.team().flatMap(orgs::orgOfTeam);
        if (team.isPresent()) {
            return team;
        }
        Optional<String> subject = event.user().flatMap(orgs::orgOfUser);
        if (subject.isPresent()) {
            return subject;
        }
        return event.actor().filter(a -> !AuditEvent.RELAY_ACTOR.equals(a)).flatMap(orgs::orgOfUser);
    }
}
