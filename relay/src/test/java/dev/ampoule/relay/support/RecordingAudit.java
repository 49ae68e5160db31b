package dev.ampoule.relay.support;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An audit sink that keeps every event, for assertions. */
public final class RecordingAudit implements AuditSink {

    public final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public Future<Void> record(AuditEvent event) {
        events.add(event);
        return Future.succeededFuture();
    }

    public List<AuditEvent> of(AuditType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }
}
