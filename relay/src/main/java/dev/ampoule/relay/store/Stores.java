package dev.ampoule.relay.store;

import dev.ampoule.relay.config.ConfigException;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.log.FramedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** The store a relay's configuration names: the embedded file store, or PostgreSQL. */
public final class Stores {

    /** Recent messages kept in memory by either store. */
    static final long CACHE_BYTES = 256L << 20;

    private Stores() {
    }

    /** Creates (does not open) the configured store; the PostgreSQL password file is read off the event loop. */
    public static Future<Store> create(Vertx vertx, RelayConfig config) {
        return switch (config.store) {
            case FILE -> Future.succeededFuture(new FileStore(vertx, config.dataDir.resolve("log"), config.segmentBytes,
                    config.fsync, config.fsyncGap, CACHE_BYTES, FramedLog.Channels.DEFAULT));
            case POSTGRESQL -> vertx.executeBlocking(() -> postgres(config), false)
                    .map(options -> new PgStore(vertx, options, config.postgresPoolSize, CACHE_BYTES));
        };
    }

    /** The connection options from {@code postgresUrl}, {@code postgresUser} and the password settings. */
    public static PgConnectOptions postgres(RelayConfig config) throws java.io.IOException {
        PgConnectOptions options;
        try {
            options = PgConnectOptions.fromUri(config.postgresUrl.orElseThrow());
        } catch (IllegalArgumentException e) {
            // the URI may carry a password: never repeat it
            throw new ConfigException("postgresUrl is not a postgresql:// URI");
        }
        config.postgresUser.ifPresent(options::setUser);
        if (config.postgresPasswordFile.isPresent()) {
            options.setPassword(Files.readString(config.postgresPasswordFile.get(), StandardCharsets.UTF_8).strip());
        } else {
            config.postgresPassword.ifPresent(options::setPassword);
        }
        return options;
    }
}
