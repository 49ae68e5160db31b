package dev.ampoule.relay.audit;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/** The audit log: append (as an {@link AuditSink}) and query. Called on the relay's event loop. */
public interface AuditLog extends AuditSink {

    Future<List<AuditEntry>> query(AuditQuery query);

    /**
     * The entries {@code query} selects as JSON lines ({@code application/x-ndjson}): each entry's
     * {@link AuditEntry#jsonLine()} exactly as stored, followed by a newline, oldest first — so an
     * export can itself be checked with the audit verifier when it starts at entry 1.
     */
    default Future<Buffer> export(AuditQuery query) {
        return query(query).map(entries -> {
            Buffer b = Buffer.buffer();
            for (AuditEntry e : entries) {
                b.appendString(e.jsonLine()).appendByte((byte) '\n');
            }
            return b;
        });
    }

    /** Flushes and closes. */
    Future<Void> close();
}
