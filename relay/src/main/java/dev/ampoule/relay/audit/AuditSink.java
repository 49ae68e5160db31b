package dev.ampoule.relay.audit;

import io.vertx.core.Future;

/**
 * Where the relay's components write audit events (the append side of the audit log). Called on
 * the event loop; never blocks; the future completes once the entry is durable.
 */
public interface AuditSink {

    Future<Void> record(AuditEvent event);

    /**
     * Whether the sink can write now. False while its storage fails (a full disk, I/O errors) or
     * after it was closed: operations that must be audited are refused meanwhile rather than done
     * unaudited, and the relay reports itself not ready. A sink that recovers by itself turns true
     * again.
     */
    default boolean ok() {
        return true;
    }

    /** Discards everything (tests of components that do not check auditing). */
    AuditSink NONE = event -> Future.succeededFuture();
}
