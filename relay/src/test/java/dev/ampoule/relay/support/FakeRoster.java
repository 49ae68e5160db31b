package dev.ampoule.relay.support;

import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory roster for tests (changed from the test thread, read on the relay's event loop). */
public final class FakeRoster implements RosterView {

    private final Map<String, Team> teams = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> roles = new ConcurrentHashMap<>();

    public Team addTeam(String teamId) {
        Team t = new Team(teamId, "org-1", "a care team", false, Optional.empty(), System.currentTimeMillis());
        teams.put(teamId, t);
        roles.put(teamId, new ConcurrentHashMap<>());
        return t;
    }

    public Team archive(String teamId) {
        Team t = teams.get(teamId);
        Team archived = new Team(t.id(), t.orgId(), t.name(), true, t.retention(), t.createdMillis());
        teams.put(teamId, archived);
        return archived;
    }

    /** Puts a user on the roster; returns the member. */
    public TeamMember put(String teamId, String userId, String role) {
        roles.get(teamId).put(userId, role);
        return new TeamMember(teamId, userId, role);
    }

    public void remove(String teamId, String userId) {
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

    @Override
    public List<TeamMember> members(String teamId) {
        Map<String, String> r = roles.get(teamId);
        return r == null ? List.of() : r.entrySet().stream().map(e -> new TeamMember(teamId, e.getKey(), e.getValue()))
                .sorted(java.util.Comparator.comparing(TeamMember::userId)).toList();
    }
}
