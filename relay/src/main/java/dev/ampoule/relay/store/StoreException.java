package dev.ampoule.relay.store;

/** The store cannot do what was asked (closed, failed, full). */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
