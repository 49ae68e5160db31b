package dev.ampoule.relay.roster;

import java.util.List;
import java.util.Optional;

/**
 * The roster as the Delivery Service reads it when it validates a team's group (event-loop
 * confined, answered from memory).
 */
public interface RosterView {

    Optional<Team> team(String teamId);

    /** The user's role on the team, if the user is on its roster. */
    Optional<String> role(String teamId, String userId);

    /**
     * The team's roster (empty for an unknown team). The Delivery Service proposes adding every
     * rostered user who is not yet in a team's group when the group is created; implementations
     * should answer it (the default, nothing, leaves out those catch-up additions).
     */
    default List<TeamMember> members(String teamId) {
        return List.of();
    }

    /** The teams whose roster has the user (a cluster's relay reads their groups before acting on the user). */
    default List<String> teamsOf(String userId) {
        return List.of();
    }

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
