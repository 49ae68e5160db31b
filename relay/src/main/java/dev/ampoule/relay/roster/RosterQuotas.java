package dev.ampoule.relay.roster;

/**
 * How much of the roster one organisation or user may take ({@link RosterException.Kind#QUOTA}
 * beyond; nothing changes then).
 *
 * @param maxTeamsPerOrg teams an organisation may have, archived ones included (there is no
 *        deleting a team)
 * @param maxTeamsCreatedPerUser teams a user may create for themselves — becoming the first
 *        coordinator — in their lifetime on the relay, archived ones included; teams an org admin
 *        creates count only against the organisation's quota
 * @param maxMembersPerTeam users on one team's roster at once
 */
public record RosterQuotas(int maxTeamsPerOrg, int maxTeamsCreatedPerUser, int maxMembersPerTeam) {

    /** The relay's defaults (see {@code RelayConfig}). */
    public static final RosterQuotas DEFAULTS = new RosterQuotas(100_000, 1_000, 500);

    /** Limit names, as counted in {@link dev.ampoule.relay.metrics.RelayMetrics#LIMITS}. */
    public static final String TEAMS_PER_ORG = "teams_per_org";
    public static final String TEAMS_CREATED_PER_USER = "teams_created_per_user";
    public static final String MEMBERS_PER_TEAM = "members_per_team";

    public RosterQuotas {
        if (maxTeamsPerOrg < 1 || maxTeamsCreatedPerUser < 1 || maxMembersPerTeam < 1) {
            throw new IllegalArgumentException("roster quotas must be at least 1");
        }
    }
}
