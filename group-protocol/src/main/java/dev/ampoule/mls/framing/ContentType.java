package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.error.DecodeException;

/**
 * RFC 9420 §6:
 * <pre>
 * enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType;
 * </pre>
 */
public enum ContentType {
    APPLICATION(1),
    PROPOSAL(2),
    COMMIT(3);

    private final int wire;

    ContentType(int wire) {
        this.wire = wire;
    }

    /** The {@code uint8} value on the wire. */
    public int wire() {
        return wire;
    }

    /** Proposals and commits are handshake content; they use the handshake ratchet (§6.3.1). */
    public boolean isHandshake() {
        return this != APPLICATION;
    }

    public static ContentType fromWire(int value) {
        return switch (value) {
            case 1 -> APPLICATION;
            case 2 -> PROPOSAL;
            case 3 -> COMMIT;
            default -> throw new DecodeException("invalid content type " + value);
        };
    }

    public static ContentType decode(TlsReader r) {
        return fromWire(r.u8());
    }
}
