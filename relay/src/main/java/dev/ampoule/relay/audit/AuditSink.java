package dev.ampoule.relay.audit;

import io.vertx.core.Future;

/**
 * Where the relay's components write audit events (the append side of the audit log). Called on
 * the event loop; never blocks; the future completes once the entry is durable.
 */
public interface AuditSink {

    Future<Void> record(AuditEvent event);

    /** Discards everything (tests of components that do not check auditing). */
    AuditSink NONE = event -> Future.succeededFuture();
}
