package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which care team a group is, as the roster says: a team's group id is the UTF-8 bytes of the team
 * id. Event-loop confined.
 */
final class CareTeams {

    private static final Pattern TEAM_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final RosterView roster;
    /** Group id → the team id it would be (cached for existing groups; empty when it cannot be one). */
    private final Map<Bytes, Optional<String>> teamIds = new HashMap<>();

    CareTeams(RosterView roster) {
        this.roster = roster;
    }

    /** The team id a group id would be: its UTF-8 text, when that is a well-formed team id. */
    static Optional<String> teamIdOf(Bytes groupId) {
        if (groupId.length() > 64) {
            return Optional.empty();
        }
        String s = new String(groupId.unsafeArray(), StandardCharsets.UTF_8);
        return TEAM_ID.matcher(s).matches() ? Optional.of(s) : Optional.empty();
    }

    /** The group id of a team's group. */
    static Bytes groupIdOf(String teamId) {
        return Bytes.wrap(teamId.getBytes(StandardCharsets.UTF_8));
    }

    /** The team whose group this is (an existing group: the lookup of its id is cached). */
    Optional<Team> teamOf(Bytes groupId) {
        return teamIds.computeIfAbsent(groupId, CareTeams::teamIdOf).flatMap(roster::team);
    }

    /** The team a group being created would belong to (not cached: the id may never become a group). */
    Optional<Team> teamOfNew(Bytes groupId) {
        return teamIdOf(groupId).flatMap(roster::team);
    }

    Optional<String> role(String teamId, String userId) {
        return roster.role(teamId, userId);
    }

    boolean rostered(String teamId, String userId) {
        return roster.role(teamId, userId).isPresent();
    }

    List<TeamMember> members(String teamId) {
        return roster.members(teamId);
    }

    /** The retention period of the care team whose group this is, if it sets one. */
    Optional<Duration> retention(Bytes groupId) {
        return teamOf(groupId).flatMap(Team::retention);
    }
}
