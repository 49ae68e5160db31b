package dev.ampoule.relay.admin;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.Function;

/** What an admin API call answers (once it is audited). */
sealed interface Reply {

    int status();

    /** A JSON body. */
    record Json(int status, JsonObject body, Map<String, String> headers) implements Reply {
        Json(int status, JsonObject body) {
            this(status, body, Map.of());
        }
    }

    /** No body ({@code 204}). */
    record Empty(int status) implements Reply {
    }

    /** A {@code 200} whose chunked body {@code writer} streams (then the response is ended; on failure, reset). */
    record Stream(String contentType, Function<HttpServerResponse, Future<Void>> writer) implements Reply {
        @Override
        public int status() {
            return 200;
        }
    }
}
