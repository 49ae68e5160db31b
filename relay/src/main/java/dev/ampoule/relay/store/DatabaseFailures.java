package dev.ampoule.relay.store;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed database write into the {@link StoreException} the Delivery Service answers
 * {@code UNAVAILABLE} for, and tells the operator why: at most one report per interval, counting
 * the failures since the previous one by cause — the PostgreSQL SQLSTATE, or the kind of failure
 * (a timeout, a closed connection) — never the error's message or detail, which can quote the
 * statement's values (group ids, payload bytes). The exception itself is logged at DEBUG.
 * Thread-safe: the gateway instances of a node share one.
 */
final class DatabaseFailures {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseFailures.class);

    /** What the stores tell the Delivery Service when the database refused or did not answer. */
    static final String WRITE_FAILED = "the database refused or did not answer a write";

    /** A node's reports: one WARN every 10 s at most while writes fail. */
    static final DatabaseFailures SHARED = new DatabaseFailures(LOG::warn, System::nanoTime, Duration.ofSeconds(10));

    private final Consumer<String> report;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final Map<String, Integer> since = new TreeMap<>();
    private long lastReport;
    private boolean reportedOnce;

    DatabaseFailures(Consumer<String> report, LongSupplier nanoTime, Duration interval) {
        this.report = report;
        this.nanoTime = nanoTime;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * The store's failure for a write that failed with {@code e}: {@code e} itself when it is one
     * already (a refusal such as a replay, which is no database failure), else a new one, counted
     * and reported.
     */
    StoreException failed(String what, Throwable e) {
        if (e instanceof StoreException s) {
            return s;
        }
        LOG.debug(what, e);
        count(cause(e));
        return new StoreException(what, e);
    }

    /** {@link #failed(String, Throwable)} with {@link #WRITE_FAILED} as the message. */
    StoreException failed(Throwable e) {
        return failed(WRITE_FAILED, e);
    }

    /** {@link #failed(Throwable)} as a failed future: for {@code recover} after a write. */
    <T> Future<T> failedWrite(Throwable e) {
        return Future.failedFuture(failed(e));
    }

    /** What an operator may read of a failure: the SQLSTATE, or the class of the failure. */
    static String cause(Throwable e) {
        return e instanceof PgException pg ? "SQLSTATE " + pg.getSqlState() : e.getClass().getSimpleName();
    }

    private void count(String cause) {
        String message;
        synchronized (this) {
            since.merge(cause, 1, Integer::sum);
            long now = nanoTime.getAsLong();
            if (reportedOnce && now - lastReport < intervalNanos) {
                return;
            }
            int total = since.values().stream().mapToInt(Integer::intValue).sum();
            message = (reportedOnce
                    ? total + " database write(s) failed in the last " + (now - lastReport) / 1_000_000_000 + " s"
                    : "a database write failed")
                    + " (" + since + "); the relay answers UNAVAILABLE to what it could not store";
            since.clear();
            lastReport = now;
            reportedOnce = true;
        }
        report.accept(message);
    }
}
