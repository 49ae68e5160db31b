package dev.ampoule.relay.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which organisation an audit entry belongs to: its team's, else its subject's, else its actor's, else none. */
class AuditScopeTest {

    /** Teams t1 (o1), t2 (o2); users ann (o1), bo (o2), and a user named like the relay (o2). */
    private static final Organisations ORGS = new Organisations() {
        private final Map<String, String> teams = Map.of("t1", "o1", "t2", "o2");
        private final Map<String, String> users = Map.of("ann", "o1", "bo", "o2", "relay", "o2");

        @Override
        public Optional<String> orgOfTeam(String teamId) {
            return Optional.ofNullable(teams.get(teamId));
        }

        @Override
        public Optional<String> orgOfUser(String userId) {
            return Optional.ofNullable(users.get(userId));
        }
    };

    @ParameterizedTest(name = "{0}: actor {1}, team {2}, user {3} -> {4}")
    @CsvSource(nullValues = "-", value = {
            // a care team decides, whoever acted and whoever it was about
            "team entry, ann, t1, ann, o1",
            "another org's admin on a team, bo, t1, -, o1",
            "a team entry naming another org's user, bo, t2, ann, o2",
            "relay on a team, relay, t2, ann, o2",
            // no care team: the user it is about, then the actor
            "login, ann, -, ann, o1",
            "an attempt on another org's user, bo, -, ann, o1",
            "an ad hoc group, ann, adhoc-group, -, o1",
            "a call naming an unknown user, bo, -, ghost, o2",
            "an admin's own call, bo, -, -, o2",
            // nobody's: nothing of a known organisation (the relay is no user, even if one is named so)
            "a refused login without a valid token, -, -, -, -",
            "an unknown user's login, ghost, -, ghost, -",
            "the relay about nobody known, relay, -, ghost, -",
            "an unknown team and unknown users, ghost, t-unknown, ghost, -"})
    void anEntryBelongsToOneOrganisationAtMost(String what, String actor, String team, String user, String owner) {
        AuditEvent event = AuditEvent.of(AuditType.ADMIN_CALL, actor, team, user, Map.of());
        assertEquals(Optional.ofNullable(owner), AuditScope.owner(event, ORGS), what);
        AuditEntry entry = new AuditEntry(1, Instant.EPOCH, event, "0".repeat(64), "0".repeat(64), "{}");
        for (String org : new String[] {"o1", "o2", "o3"}) {
            assertEquals(org.equals(owner), new AuditScope(org, ORGS).test(entry), what + " seen by " + org);
        }
    }
}
