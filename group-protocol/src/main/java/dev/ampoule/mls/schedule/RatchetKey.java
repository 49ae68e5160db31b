package dev.ampoule.mls.schedule;

import java.util.Objects;

/**
 * {@code ratchet_key_[N]_[j]} and {@code ratchet_nonce_[N]_[j]} of one generation {@code j} of a
 * sender's hash ratchet (RFC 9420 §9.1). The nonce is the one from the key schedule: the framing
 * layer XORs the reuse guard into a copy of it (§6.3.1). {@link #close()} zeroes both.
 *
 * @param generation the {@code uint32} generation, as a non-negative long
 */
public record RatchetKey(long generation, AeadKey key, AeadNonce nonce) implements AutoCloseable {

    public RatchetKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(nonce, "nonce");
    }

    /** Zeroes the key and the nonce. */
    @Override
    public void close() {
        key.destroy();
        nonce.destroy();
    }

    public boolean isDestroyed() {
        return key.isDestroyed();
    }
}
