package dev.ampoule.relay.roster;

import io.vertx.core.Future;

/**
 * What the rest of the relay does when a roster changes: the Delivery Service makes the MLS group
 * follow (external Add and Remove proposals, fencing, delivery cut-off). Called on the relay's
 * event loop after the roster change is durable; each future completes once the consequences are
 * durable too (failures are logged and audited by the caller; the roster change stands).
 */
public interface RosterListener {

    /** A user was put on a team's roster (or their role changed: then {@code newMember} is false). */
    Future<Void> memberAdded(Team team, TeamMember member, boolean newMember);

    /** A user was taken off a team's roster. */
    Future<Void> memberRemoved(Team team, String userId);

    /** A team was archived: nobody may send to its group any more. */
    Future<Void> teamArchived(Team team);

    /**
     * A user is erased (GDPR art. 17): their KeyPackages, queued messages, cursors and devices go.
     * The roster has already taken them off every team (with {@link #memberRemoved} for each).
     */
    Future<Void> userErased(String userId);

    /** Tells {@code first}, then (once its future completed, whatever the outcome) {@code then}; fails if either did. */
    static RosterListener both(RosterListener first, RosterListener then) {
        return new RosterListener() {
            private Future<Void> each(java.util.function.Function<RosterListener, Future<Void>> call) {
                Future<Void> a = call.apply(first);
                return a.transform(ar -> call.apply(then).compose(v -> ar.succeeded() ? Future.<Void>succeededFuture()
                        : Future.failedFuture(ar.cause())));
            }

            @Override
            public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
                return each(l -> l.memberAdded(team, member, newMember));
            }

            @Override
            public Future<Void> memberRemoved(Team team, String userId) {
                return each(l -> l.memberRemoved(team, userId));
            }

            @Override
            public Future<Void> teamArchived(Team team) {
                return each(l -> l.teamArchived(team));
            }

            @Override
            public Future<Void> userErased(String userId) {
                return each(l -> l.userErased(userId));
            }
        };
    }

    /** Does nothing (a relay without roster enforcement, tests). */
    RosterListener NONE = new RosterListener() {
        @Override
        public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> memberRemoved(Team team, String userId) {
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> teamArchived(Team team) {
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> userErased(String userId) {
            return Future.succeededFuture();
        }
    };
}
