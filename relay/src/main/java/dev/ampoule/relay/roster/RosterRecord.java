package dev.ampoule.relay.roster;

import java.time.Duration;
import java.util.Optional;

/**
 * One durable change of the roster, as a {@link RosterStore} keeps it. Replaying a store's records
 * in order rebuilds the roster; a compacted store holds a snapshot written with the same records
 * ({@link UserOrg}, {@link ErasedUserOrg}, then {@link TeamCreated} with the team's current name and
 * retention, {@link TeamCreator}, {@link TeamArchived}, {@link MemberSet}). The wire tag of each variant is its
 * {@link #tag()}.
 */
public sealed interface RosterRecord {

    int tag();

    /** A team was created (or, in a snapshot, exists) in organisation {@code orgId}. */
    record TeamCreated(String teamId, String orgId, String name, Optional<Duration> retention, long createdMillis)
            implements RosterRecord {
        public static final int TAG = 1;

        @Override
        public int tag() {
            return TAG;
        }
    }

    record TeamArchived(String teamId) implements RosterRecord {
        public static final int TAG = 2;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** The team's retention period was set ({@code Optional.empty()}: back to the relay's default). */
    record RetentionSet(String teamId, Optional<Duration> retention) implements RosterRecord {
        public static final int TAG = 3;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A user was put on a team's roster with a role, or their role changed. */
    record MemberSet(String teamId, String userId, String role) implements RosterRecord {
        public static final int TAG = 4;

        @Override
        public int tag() {
            return TAG;
        }
    }

    record MemberRemoved(String teamId, String userId) implements RosterRecord {
        public static final int TAG = 5;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A user was erased: off every roster. */
    record UserErased(String userId) implements RosterRecord {
        public static final int TAG = 6;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /**
     * A user belongs to organisation {@code orgId}: recorded once, from the first team the user was
     * put on or from the {@code org} claim of the first token they presented; never changed
     * afterwards. (A store written before users' organisations were recorded has none: replaying
     * its first {@link MemberSet} of a user gives the user that team's organisation.)
     */
    record UserOrg(String userId, String orgId) implements RosterRecord {
        public static final int TAG = 7;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /**
     * User {@code userId} created team {@code teamId} for themselves (its first coordinator): counted
     * against their quota of teams ({@link RosterQuotas#maxTeamsCreatedPerUser}). Dropped when the
     * user is erased.
     */
    record TeamCreator(String teamId, String userId) implements RosterRecord {
        public static final int TAG = 9;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /**
     * The organisation of an erased user, under a one-way hash of the user id ({@link
     * Roster#erasedUserKey}) instead of the id: the id stays bound to its organisation after the
     * erasure (it can never become another organisation's user), without the roster's history naming it.
     */
    record ErasedUserOrg(String userKey, String orgId) implements RosterRecord {
        public static final int TAG = 8;

        @Override
        public int tag() {
            return TAG;
        }
    }
}
