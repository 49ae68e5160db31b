package dev.ampoule.relay.ds;

import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** MLS validation off the event loop (worker threads), and the mapping of its failures to relay error codes. */
final class Validation {

    private static final Logger LOG = LoggerFactory.getLogger(Validation.class);

    private final Vertx vertx;

    Validation(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Runs {@code work} on a worker thread; MLS failures become relay error codes. */
    <T> Future<T> offLoop(Callable<T> work) {
        return vertx.executeBlocking(work, false).recover(e -> Future.failedFuture(translate(e)));
    }

    /** A failure as the client is told it: validation rules and decode errors are {@code INVALID_MESSAGE}. */
    static RelayException translate(Throwable e) {
        return switch (e) {
            case RelayException r -> r;
            case ValidationException v -> new RelayException(ErrorCode.INVALID_MESSAGE,
                    v.rule().name() + " (" + v.rule().section() + ")");
            case DecodeException d -> new RelayException(ErrorCode.INVALID_MESSAGE, "malformed MLS message");
            default -> {
                LOG.warn("internal failure", e);
                yield new RelayException(ErrorCode.INTERNAL, "internal error");
            }
        };
    }
}
