package dev.ampoule.relay.roster;

import java.util.Optional;

/**
 * The roster as the Delivery Service reads it when it validates a team's group (event-loop
 * confined, answered from memory).
 */
public interface RosterView {

    Optional<Team> team(String teamId);

    /** The user's role on the team, if the user is on its roster. */
    Optional<String> role(String teamId, String userId);

    /** A roster with no teams (every group is ad hoc). */
    RosterView EMPTY = new RosterView() {
        @Override
        public Optional<Team> team(String teamId) {
            return Optional.empty();
        }

        @Override
        public Optional<String> role(String teamId, String userId) {
            return Optional.empty();
        }
    };
}
