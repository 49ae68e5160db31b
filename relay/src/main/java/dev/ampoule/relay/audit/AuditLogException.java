package dev.ampoule.relay.audit;

/**
 * The audit log cannot do what was asked: the writer is too far behind, the log is closed or
 * failed, an event was refused (it looked like it carried a secret), or the log on disk failed
 * verification. Messages name sequence numbers and field names, never entry contents.
 */
public final class AuditLogException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AuditLogException(String message) {
        super(message);
    }

    public AuditLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
