package dev.ampoule.mls.crypto;

import dev.ampoule.mls.error.InternalException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * Secret bytes that zero themselves when destroyed and never print their value.
 *
 * <p>Each kind of secret in the protocol has its own subclass (a path secret is not an epoch
 * secret), so the compiler keeps them apart. A secret owns its array: constructors take ownership,
 * and {@link #reveal()} lends the array without copying — callers must neither keep nor modify it.
 * After {@link #destroy()} every access fails.
 */
public class Secret implements Destroyable, AutoCloseable {

    private final byte[] value;
    private volatile boolean destroyed;

    /** Takes ownership of {@code value}. */
    public Secret(byte[] value) {
        this.value = value;
    }

    /** A plain secret holding a copy of {@code value}. */
    public static Secret copyOf(byte[] value) {
        return new Secret(value.clone());
    }

    /** The secret bytes, lent without copying. Do not keep or modify the array. */
    public final byte[] reveal() {
        if (destroyed) {
            throw new InternalException(getClass().getSimpleName() + " used after it was destroyed");
        }
        return value;
    }

    /** A copy of the secret bytes that the caller owns (and should zero). */
    public final byte[] copy() {
        return reveal().clone();
    }

    public final int length() {
        return value.length;
    }

    /** Constant-time comparison of the secret bytes. */
    public final boolean sameValue(Secret other) {
        return MessageDigest.isEqual(reveal(), other.reveal());
    }

    /** Zeroes the bytes; later use fails. Idempotent. */
    @Override
    public final void destroy() {
        destroyed = true;
        Arrays.fill(value, (byte) 0);
    }

    @Override
    public final boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public final void close() {
        destroy();
    }

    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[redacted, " + value.length + " bytes"
                + (destroyed ? ", destroyed" : "") + "]";
    }
}
