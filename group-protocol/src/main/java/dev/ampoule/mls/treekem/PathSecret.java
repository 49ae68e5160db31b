package dev.ampoule.mls.treekem;

import dev.ampoule.mls.crypto.Secret;

/**
 * A path secret of RFC 9420 §7.4: {@code path_secret[n] = DeriveSecret(path_secret[n-1], "path")},
 * from which a node's key pair is derived. Also the value a Welcome carries in its
 * {@code PathSecret} struct (§12.4.3.1).
 */
public final class PathSecret extends Secret {
    /** Takes ownership of {@code value}. */
    public PathSecret(byte[] value) {
        super(value);
    }
}
