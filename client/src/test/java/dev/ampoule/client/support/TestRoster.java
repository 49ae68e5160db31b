package dev.ampoule.client.support;

import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Care teams and their rosters for tests, in memory: the relay reads them as its {@link RosterView};
 * {@link RelayFixture#addToRoster} and {@link RelayFixture#removeFromRoster} change them and tell
 * the relay, as the admin API does.
 */
public final class TestRoster implements RosterView {

    private final Map<String, Team> teams = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> roles = new ConcurrentHashMap<>();

    /** A new team of organisation {@code org-1} whose roster is {@code coordinator}. */
    public Team createTeam(String teamId, String coordinator) {
        Team team = new Team(teamId, "org-1", "team " + teamId, false, Optional.empty(), System.currentTimeMillis());
        teams.put(teamId, team);
        roles.put(teamId, new ConcurrentHashMap<>(Map.of(coordinator, TeamMember.COORDINATOR)));
        return team;
    }

    /** Puts a user on a team's roster (without telling the relay); the new member. */
    TeamMember put(String teamId, String userId, String role) {
        roles.get(teamId).put(userId, role);
        return new TeamMember(teamId, userId, role);
    }

    /** Takes a user off a team's roster (without telling the relay). */
    void drop(String teamId, String userId) {
        roles.get(teamId).remove(userId);
    }

    @Override
    public Optional<Team> team(String teamId) {
        return Optional.ofNullable(teams.get(teamId));
    }

    @Override
    public Optional<String> role(String teamId, String userId) {
        Map<String, String> r = roles.get(teamId);
        return r == null ? Optional.empty() : Optional.ofNullable(r.get(userId));
    }

    /** The team's roster. */
    public List<TeamMember> members(String teamId) {
        Map<String, String> r = roles.get(teamId);
        List<TeamMember> out = new ArrayList<>();
        if (r != null) {
            r.forEach((user, role) -> out.add(new TeamMember(teamId, user, role)));
        }
        return out;
    }
}
