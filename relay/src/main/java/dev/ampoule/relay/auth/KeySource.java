package dev.ampoule.relay.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Where token verification keys come from: a fixed set (the development key) or a JWKS endpoint. */
public interface KeySource {

    /** The current public keys (JWKs). */
    List<JsonObject> keys();

    /** Increases whenever {@link #keys()} changes. */
    long version();

    /**
     * Asks for fresh keys (a token named an unknown {@code kid}); completes when done or when a
     * refresh is not allowed yet (rate limit). Never fails.
     */
    Future<Void> refresh();

    /** A source that never changes. */
    static KeySource fixed(List<JsonObject> keys) {
        List<JsonObject> copy = List.copyOf(keys);
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
