package dev.ampoule.relay.ds;

import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What the relay is doing about one team group's roster ({@link RosterEnforcement}, {@link RelayProposals}). Event-loop confined. */
final class RosterTrack {

    /** Users taken off the roster who still have leaves: the group is fenced while there is one. */
    final Set<String> removals = new TreeSet<>();
    /** The epoch of the relay's proposals below (-1: none). */
    long epoch = -1;
    /** Leaves the relay proposed to remove in {@link #epoch}. */
    final Set<Integer> removeLeaves = new HashSet<>();
    /** Devices the relay proposed to add in {@link #epoch}, with the KeyPackage of each proposal. */
    final Map<DeviceId, KeyPackage> adds = new HashMap<>();
    /**
     * Devices whose Add the relay built but could not store (the store refused, e.g. another node
     * wrote the group first), with the KeyPackage it claimed for them: proposed again with it.
     */
    final Map<DeviceId, KeyPackage> unsent = new HashMap<>();
    /** Users whose devices the next synchronisation tries to add. */
    final Set<String> addHints = new TreeSet<>();
    /** The next synchronisation considers every rostered user (after the group's creation). */
    boolean wholeRoster;
    /** A synchronisation is queued in the group's sequencer and has not started. */
    boolean queued;
    Future<Void> pending = Future.succeededFuture();
    /** A synchronisation is scheduled for when the team's claim budget refills. */
    boolean retryScheduled;

    /** The group is fenced while a removal is pending. */
    void fence(GroupState g) {
        g.fenced = !removals.isEmpty();
    }

    static Set<String> usersOf(Set<DeviceId> devices) {
        Set<String> out = new HashSet<>();
        devices.forEach(d -> out.add(d.userId()));
        return out;
    }
}
