package dev.ampoule.mls.schedule;

import java.util.Objects;

/**
 * An AEAD key and nonce derived together: for sender data (RFC 9420 §6.3.2) or a Welcome's
 * GroupInfo (§12.4.3.1). The holder owns both and destroys them with {@link #close()}.
 */
public record KeyAndNonce(AeadKey key, AeadNonce nonce) implements AutoCloseable {

    public KeyAndNonce {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(nonce, "nonce");
    }

    /** Zeroes the key and the nonce. */
    @Override
    public void close() {
        key.destroy();
        nonce.destroy();
    }
}
