package dev.ampoule.relay.support;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.http.HttpClientInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP calls from tests to a relay: each request has its own time limit, and a request that gets no
 * answer fails naming itself ({@code POST /v1/tickets: no answer within 30 s}) instead of leaving the
 * test to its global timeout. Bodies are read whole.
 */
public final class HttpCalls {

    /** How long one request may take, connection included; generous for a loaded machine. */
    public static final Duration LIMIT = Duration.ofSeconds(30);

    private HttpCalls() {
    }

    /** An answer: status, headers and the whole body. */
    public record Answer(int status, MultiMap headers, Buffer body) {

        public JsonObject json() {
            return body.toJsonObject();
        }

        public String text() {
            return body.toString();
        }

        public String header(String name) {
            return headers.get(name);
        }
    }

    /** A request to the relay on 127.0.0.1:{@code port}. */
    public static RequestOptions to(int port, HttpMethod method, String uri) {
        return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    }

    /** Like {@link #to(int, HttpMethod, String)} with {@code Authorization: Bearer token}. */
    public static RequestOptions to(int port, HttpMethod method, String uri, String token) {
        return to(port, method, uri).putHeader("Authorization", "Bearer " + token);
    }

    /**
     * The one context each client's requests are made from. A request made from a thread outside
     * Vert.x gets a new context of its own, on any event loop, while a pooled connection stays on
     * the event loop it was opened on; the response then reaches the request's context later than
     * the connection reads its body, and {@code body()} can come too late and find it empty (seen
     * with vertx-core 5.0.12 on a keep-alive connection). Made from one context, a client's
     * connections and requests share an event loop and the response is handled in order.
     */
    private static Context contextOf(HttpClient client) {
        synchronized (CONTEXTS) {
            return CONTEXTS.computeIfAbsent(client, c -> ((HttpClientInternal) c).vertx().createEventLoopContext());
        }
    }

    private static final Map<HttpClient, Context> CONTEXTS = new WeakHashMap<>();

    /** Sends the request without a body and waits for the whole answer. */
    public static Answer call(HttpClient client, RequestOptions request) {
        return call(client, request, null);
    }

    /**
     * Sends the request (with {@code body} unless null, as {@code application/json} unless the request
     * names another type) and waits for the whole answer, within {@link #LIMIT}.
     */
    public static Answer call(HttpClient client, RequestOptions request, Buffer body) {
        String name = request.getMethod() + " " + request.getURI();
        RequestOptions limited = new RequestOptions(request).setTimeout(LIMIT.toMillis());
        if (body != null && (limited.getHeaders() == null || !limited.getHeaders().contains("Content-Type"))) {
            limited.putHeader("Content-Type", "application/json");
        }
        Promise<Answer> answer = Promise.promise();
        contextOf(client).runOnContext(v -> client.request(limited)
                .compose(req -> body == null ? req.send() : req.send(body))
                .compose(res -> res.body().map(b -> new Answer(res.statusCode(), res.headers(), b)))
                .onComplete(answer));
        try {
            return answer.future().toCompletionStage().toCompletableFuture()
                    .get(LIMIT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(name + ": no answer within " + LIMIT.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw new AssertionError(name + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + ": interrupted", e);
        }
    }
}
