package dev.ampoule.relay.roster;

/** A user on a team's roster, with one of the configured roles ({@code coordinator}, {@code patient}…). */
public record TeamMember(String teamId, String userId, String role) {

    /** The role whose holders may change the team's roster. */
    public static final String COORDINATOR = "coordinator";

    public boolean coordinator() {
        return COORDINATOR.equals(role);
    }
}
