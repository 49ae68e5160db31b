package dev.ampoule.relay.history;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * Where a log of {@link RightsRecord}s is kept durably, in order: {@link RightsLog} (a file in the
 * data directory; the embedded store, one writer) or {@link PgRightsLog} (PostgreSQL, shared by
 * every relay instance of every node). A reader applies what a store hands it, in the order given;
 * each change appears once for each reader. Every method is asynchronous, never blocks the caller's
 * event loop, and is called one at a time by its owner ({@link HistoryRights}, {@link RecordShares}).
 */
sealed interface RightsStore permits RightsLog, PgRightsLog {

    /** One step of the log as a reader applies it. */
    sealed interface Change {
    }

    /** A record to apply. */
    record Logged(RightsRecord record) implements Change {
    }

    /** Everything applied before is gone: what follows is the whole log (another writer rewrote it). */
    record Reset() implements Change {
    }

    /** Opens the store: every record it holds, oldest first. Called once, before anything else. */
    Future<List<RightsRecord>> load();

    /**
     * Appends {@code record} durably; the future's value is what the owner applies now, in order: the
     * changes others made since it last read, then its own record.
     */
    Future<List<Change>> append(RightsRecord record);

    /** What other writers logged since the owner last read (nothing for a store with one writer). */
    Future<List<Change>> changes();

    /**
     * Replaces the log with the live records atomically, without losing what other writers log
     * meanwhile: {@code live} gets the changes others made since the owner last read (to apply first)
     * and returns the records that rebuild the current state.
     */
    Future<Void> rewrite(Function<List<Change>, List<RightsRecord>> live);

    /** Releases the store's resources. */
    Future<Void> close();
}
