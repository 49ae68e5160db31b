package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;

/**
 * RFC 9420 §6.3.2:
 * <pre>
 * struct {
 *     uint32 leaf_index;
 *     uint32 generation;
 *     opaque reuse_guard[4];
 * } SenderData;
 * </pre>
 * {@code generation} is an unsigned 32-bit value held in a long; leaf indices above
 * {@code Integer.MAX_VALUE} fail to decode.
 */
public record SenderData(int leafIndex, long generation, byte[] reuseGuard) implements TlsEncodable {

    public static final int REUSE_GUARD_LENGTH = 4;

    @Override
    public void encode(TlsWriter w) {
        w.u32(Integer.toUnsignedLong(leafIndex)).u32(generation).raw(reuseGuard);
    }

    public static SenderData decode(TlsReader r) {
        return new SenderData(r.u32AsInt(), r.u32(), r.raw(REUSE_GUARD_LENGTH));
    }

    /** The content nonce: the key-schedule nonce with its first four bytes XORed with the guard. */
    public byte[] guardNonce(byte[] keyScheduleNonce) {
        byte[] nonce = keyScheduleNonce.clone();
        for (int i = 0; i < REUSE_GUARD_LENGTH; i++) {
            nonce[i] ^= reuseGuard[i];
        }
        return nonce;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SenderData s && leafIndex == s.leafIndex && generation == s.generation
                && Arrays.equals(reuseGuard, s.reuseGuard);
    }

    @Override
    public int hashCode() {
        return leafIndex * 31 + Long.hashCode(generation);
    }

    @Override
    public String toString() {
        return "SenderData[leaf=" + leafIndex + ", generation=" + generation + "]";
    }
}
