package dev.ampoule.client.content;

import dev.ampoule.mls.crypto.Secret;
import java.security.SecureRandom;

/**
 * The 32-byte key of one encrypted file or record ({@link BlobCipher}): fresh and random for each,
 * so that no two blobs share a key. It travels only inside MLS-encrypted messages (or sealed to a
 * recipient device's leaf key); never prints its value; {@link #destroy()} zeroes it.
 */
public final class ContentKey extends Secret {

    /** Bytes of a key. */
    public static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Takes ownership of {@code value} (32 bytes). */
    public ContentKey(byte[] value) {
        super(check(value));
    }

    private static byte[] check(byte[] value) {
        if (value.length != LENGTH) {
            throw new IllegalArgumentException("a content key is " + LENGTH + " bytes");
        }
        return value;
    }

    /** A fresh random key. */
    public static ContentKey random() {
        byte[] k = new byte[LENGTH];
        RANDOM.nextBytes(k);
        return new ContentKey(k);
    }
}
