package dev.ampoule.identity.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The public keys (JWKs) tokens are verified with: fixed, or the OIDC provider's JWKS ({@link JwksUrlKeys}). */
public interface KeySource {

    /** The current public keys. */
    List<JsonObject> keys();

    /** Increases whenever {@link #keys()} changes. */
    long version();

    /** Asks for fresh keys (a token named an unknown {@code kid}); never fails, may do nothing (rate limit). */
    Future<Void> refresh();

    static KeySource fixed(List<JsonObject> keys) {
        List<JsonObject> copy = keys.stream().map(Jwks::publicPart).toList();
        return new KeySource() {
            @Override
            public List<JsonObject> keys() {
                return copy;
            }

            @Override
            public long version() {
                return 1;
            }

            @Override
            public Future<Void> refresh() {
                return Future.succeededFuture();
            }
        };
    }
}
