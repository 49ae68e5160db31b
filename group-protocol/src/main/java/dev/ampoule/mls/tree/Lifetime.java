package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;

/**
 * RFC 9420 §7.2: {@code struct { uint64 not_before; uint64 not_after; } Lifetime;} in seconds since
 * the Unix epoch. The bounds are unsigned; {@link #contains} compares them as such.
 */
public record Lifetime(long notBefore, long notAfter) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.u64(notBefore).u64(notAfter);
    }

    public static Lifetime decode(TlsReader r) {
        return new Lifetime(r.u64(), r.u64());
    }

    /** Whether {@code epochSeconds} lies within [not_before, not_after]. */
    public boolean contains(long epochSeconds) {
        return Long.compareUnsigned(notBefore, epochSeconds) <= 0 && Long.compareUnsigned(epochSeconds, notAfter) <= 0;
    }
}
