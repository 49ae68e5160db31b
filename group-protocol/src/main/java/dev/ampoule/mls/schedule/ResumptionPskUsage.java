package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;

/**
 * RFC 9420 §8.4:
 * <pre>
 * enum {
 *   reserved(0),
 *   application(1),
 *   reinit(2),
 *   branch(3),
 *   (255)
 * } ResumptionPSKUsage;
 * </pre>
 */
public enum ResumptionPskUsage {
    APPLICATION(1),
    REINIT(2),
    BRANCH(3);

    private final int wire;

    ResumptionPskUsage(int wire) {
        this.wire = wire;
    }

    /** The {@code uint8} value on the wire. */
    public int wire() {
        return wire;
    }

    public void encode(TlsWriter w) {
        w.u8(wire);
    }

    /** Fails on {@code reserved(0)} and on values this enumeration does not define. */
    public static ResumptionPskUsage decode(TlsReader r) {
        int v = r.u8();
        for (ResumptionPskUsage u : values()) {
            if (u.wire == v) {
                return u;
            }
        }
        throw new DecodeException("invalid ResumptionPSKUsage " + v);
    }
}
