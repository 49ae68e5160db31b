package dev.ampoule.relay.blob;

import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The blob store a relay's configuration names: files under {@code <dataDir>/blobs}, or PostgreSQL. */
public final class BlobStores {

    /** Connections of the PostgreSQL blob store's own pool. */
    static final int PG_POOL = 2;

    private BlobStores() {
    }

    /** Creates (does not open) the configured blob store; the PostgreSQL password file is read off the event loop. */
    public static Future<BlobStore> create(Vertx vertx, RelayConfig config) {
        return switch (config.store) {
            case FILE -> Future.succeededFuture(new FileBlobStore(vertx, config.dataDir.resolve(FileBlobStore.DIR_NAME),
                    config.fsync));
            case POSTGRESQL -> vertx.executeBlocking(() -> Stores.postgres(config), false)
                    .map(options -> new PgBlobStore(vertx, options, PG_POOL));
        };
    }
}
