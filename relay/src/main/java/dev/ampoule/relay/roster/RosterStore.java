package dev.ampoule.relay.roster;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where the roster is kept durably: an ordered history of {@link RosterRecord}s. Every method is
 * asynchronous and never blocks the calling event loop; a returned future completes (on the
 * caller's context) once the operation is durable. The {@link Roster} calls one method at a time.
 * The embedded default is {@link FileRosterStore}; a clustered relay would keep the same records in
 * PostgreSQL.
 */
public interface RosterStore {

    /**
     * Opens the store and returns every record it holds, oldest first. A torn last write (crash
     * during an append) is discarded. Called once, before anything else.
     */
    Future<List<RosterRecord>> load();

    /** Appends {@code records} atomically (all or none survive a crash), durably. */
    Future<Void> append(List<RosterRecord> records);

    /**
     * Replaces the whole history with {@code snapshot} atomically, durably (compaction; after an
     * erasure, so that the erased user's id no longer appears in the history).
     */
    Future<Void> rewrite(List<RosterRecord> snapshot);

    /** Releases the store's resources; pending operations complete first. */
    Future<Void> close();
}
