package dev.ampoule.mls.treekem;

import dev.ampoule.mls.crypto.Secret;

/**
 * The commit secret of RFC 9420 §8: {@code path_secret[n+1]}, derived from the last path secret of
 * an UpdatePath (§12.4.1, §12.4.2), or all zeros (length {@code KDF.Nh}) for a Commit without a
 * path.
 */
public final class CommitSecret extends Secret {
    /** Takes ownership of {@code value}. */
    public CommitSecret(byte[] value) {
        super(value);
    }

    /** The all-zero commit secret of a Commit without a path. */
    public static CommitSecret zero(int hashLength) {
        return new CommitSecret(new byte[hashLength]);
    }
}
