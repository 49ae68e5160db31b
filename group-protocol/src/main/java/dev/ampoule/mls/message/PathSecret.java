package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.Secret;

/**
 * RFC 9420 §12.4.3.1: {@code struct { opaque path_secret<V>; } PathSecret;} — the path secret of
 * the lowest common ancestor of committer and new member, sent in GroupSecrets. A {@link Secret}:
 * it zeroes itself when destroyed and never prints its value.
 */
public final class PathSecret extends Secret implements TlsEncodable {

    /** Takes ownership of {@code value}. */
    public PathSecret(byte[] value) {
        super(value);
    }

    @Override
    public void encode(TlsWriter w) {
        w.opaque(reveal());
    }

    public static PathSecret decode(TlsReader r) {
        return new PathSecret(r.opaque());
    }
}
