package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.schedule.JoinerSecret;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import java.util.List;
import java.util.Optional;

/**
 * RFC 9420 §12.4.3.1:
 * <pre>
 * struct {
 *   opaque joiner_secret&lt;V&gt;;
 *   optional&lt;PathSecret&gt; path_secret;
 *   PreSharedKeyID psks&lt;V&gt;;
 * } GroupSecrets;
 * </pre>
 * Holds secrets: {@link #destroy()} zeroes them once the joiner has used them.
 */
public record GroupSecrets(JoinerSecret joinerSecret, Optional<PathSecret> pathSecret, List<PreSharedKeyId> psks)
        implements TlsEncodable {

    public GroupSecrets {
        psks = List.copyOf(psks);
    }

    @Override
    public void encode(TlsWriter w) {
        w.opaque(joinerSecret.reveal()).optional(pathSecret).vector(psks);
    }

    public static GroupSecrets decode(TlsReader r) {
        JoinerSecret joiner = new JoinerSecret(r.opaque());
        Optional<PathSecret> path = r.optional(PathSecret::decode);
        return new GroupSecrets(joiner, path, r.vector(PreSharedKeyId::decode));
    }

    /** Zeroes the joiner secret and the path secret. */
    public void destroy() {
        joinerSecret.destroy();
        pathSecret.ifPresent(PathSecret::destroy);
    }

    @Override
    public String toString() {
        return "GroupSecrets[joiner_secret redacted, path_secret " + (pathSecret.isPresent() ? "redacted" : "absent")
                + ", " + psks.size() + " psks]";
    }
}
