package dev.ampoule.relay.roster;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where the roster is kept durably: an ordered history of {@link RosterRecord}s. Every method is
 * asynchronous and never blocks the calling event loop; a returned future completes (on the
 * caller's context) once the operation is durable. The {@link Roster} calls one method at a time.
 * The embedded default is {@link FileRosterStore}; a cluster keeps the same records in PostgreSQL
 * ({@link PgRosterStore}), where several relays write: there {@link #append} and {@link #rewrite}
 * succeed only if nobody else wrote since this store last read ({@link ConcurrentChange} otherwise),
 * and {@link #changes} reads what others wrote.
 */
public interface RosterStore {

    /**
     * Records another writer appended: a batch, or a snapshot that replaces everything before it
     * ({@link #rewrite} by another writer).
     */
    record Change(boolean snapshot, List<RosterRecord> records) {
        public Change {
            records = List.copyOf(records);
        }
    }

    /** Another writer changed the roster since this store last read it: read {@link #changes}, check again, retry. */
    final class ConcurrentChange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConcurrentChange() {
            super("the roster changed meanwhile");
        }
    }

    /**
     * What other writers recorded since this store last read or wrote, oldest first (none for a
     * store with a single writer, the default).
     */
    default Future<List<Change>> changes() {
        return Future.succeededFuture(List.of());
    }

    /**
     * Opens the store and returns every record it holds, oldest first. A torn last write (crash
     * during an append) is discarded. Called once, before anything else.
     */
    Future<List<RosterRecord>> load();

    /**
     * Appends {@code records} atomically (all or none survive a crash), durably; fails with
     * {@link ConcurrentChange} if another writer appended since this store last read.
     */
    Future<Void> append(List<RosterRecord> records);

    /**
     * Replaces the whole history with {@code snapshot} atomically, durably (compaction; after an
     * erasure, so that the erased user's id no longer appears in the history).
     */
    Future<Void> rewrite(List<RosterRecord> snapshot);

    /** Releases the store's resources; pending operations complete first. */
    Future<Void> close();
}
