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

    private final int status;
    private final String code;

    ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
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
