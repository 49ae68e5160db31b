package dev.ampoule.relay.audit;

import io.vertx.core.Future;
import java.util.List;

/** The audit log: append (as an {@link AuditSink}) and query. Called on the relay's event loop. */
public interface AuditLog extends AuditSink {

    Future<List<AuditEntry>> query(AuditQuery query);

    /** Flushes and closes. */
    Future<Void> close();
}
