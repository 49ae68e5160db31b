package dev.ampoule.relay.admin;

import io.vertx.core.json.JsonObject;

/**
 * An admin API call that fails with an HTTP status and an error code, answered as
 * {@code {"code": …, "message": …}}. Messages name ids at most, never team names, bodies or tokens.
 */
final class ApiError extends RuntimeException {

    static final String BAD_REQUEST = "BAD_REQUEST";
    static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    static final String FORBIDDEN = "FORBIDDEN";
    static final String NOT_FOUND = "NOT_FOUND";
    static final String CONFLICT = "CONFLICT";
    static final String INTERNAL = "INTERNAL";
    static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";
    static final String RATE_LIMITED = "RATE_LIMITED";
    static final String AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE";

    private final int status;
    private final String code;
    /** Seconds for {@code Retry-After}; 0: no such header. */
    private final long retryAfterSeconds;

    ApiError(int status, String code, String message) {
        this(status, code, message, 0);
    }

    private ApiError(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, BAD_REQUEST, message);
    }

    static ApiError unauthenticated(String message) {
        return new ApiError(401, UNAUTHENTICATED, message);
    }

    static ApiError forbidden(String message) {
        return new ApiError(403, FORBIDDEN, message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, NOT_FOUND, message);
    }

    static ApiError conflict(String message) {
        return new ApiError(409, CONFLICT, message);
    }

    static ApiError internal(String message) {
        return new ApiError(500, INTERNAL, message);
    }

    /** A quota of the roster would be exceeded: {@code 409 QUOTA_EXCEEDED}. */
    static ApiError quotaExceeded(String message) {
        return new ApiError(409, QUOTA_EXCEEDED, message);
    }

    /** Too many writes: {@code 429 RATE_LIMITED} with {@code Retry-After} (whole seconds, at least 1). */
    static ApiError rateLimited(String message, long retryAfterMillis) {
        return new ApiError(429, RATE_LIMITED, message, Math.max(1, (retryAfterMillis + 999) / 1000));
    }

    /** The audit log cannot write, so the call is not done: {@code 503 AUDIT_UNAVAILABLE} with {@code Retry-After}. */
    static ApiError auditUnavailable(long retryAfterMillis) {
        return new ApiError(503, AUDIT_UNAVAILABLE, "the relay cannot audit this call now; retry later",
                Math.max(1, (retryAfterMillis + 999) / 1000));
    }

    /** The headers the answer carries besides its JSON body. */
    java.util.Map<String, String> headers() {
        return retryAfterSeconds > 0 ? java.util.Map.of("Retry-After", Long.toString(retryAfterSeconds))
                : java.util.Map.of();
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    JsonObject toJson() {
        return new JsonObject().put("code", code).put("message", getMessage());
    }
}
