package dev.ampoule.relay.admin;

import dev.ampoule.relay.audit.AuditQuery;
import dev.ampoule.relay.roster.Roster;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Strict reading of the admin API's input: path ids, JSON bodies (an object with only the known
 * members, each of the right type) and query parameters (only the known ones, each at most once).
 * Anything else is a {@code 400}, before any state changes.
 */
final class Inputs {

    private Inputs() {
    }

    /**
     * Decodes the query string up front: one that is not valid percent-encoding (e.g. {@code %zz})
     * is the caller's error, refused before anything else is read.
     */
    static void requireReadableQuery(RoutingContext ctx) {
        try {
            ctx.queryParams();
        } catch (RuntimeException malformed) {
            throw ApiError.badRequest("the query string is not valid percent-encoding");
        }
    }

    /** A path parameter that must be an id ({@code [A-Za-z0-9._-]{1,64}}). */
    static String id(RoutingContext ctx, String name) {
        String v = ctx.pathParam(name);
        if (!Roster.validId(v)) {
            throw ApiError.badRequest(name + " must match [A-Za-z0-9._-]{1,64}");
        }
        return v;
    }

    /** The request body: a JSON object ({@code Content-Type: application/json}) whose members are all in {@code allowed}. */
    static JsonObject body(RoutingContext ctx, Set<String> allowed) {
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw ApiError.badRequest("the body must be JSON (Content-Type: application/json)");
        }
        Buffer raw = ctx.body().buffer();
        if (raw == null || raw.length() == 0) {
            throw ApiError.badRequest("a JSON object body is required");
        }
        Object value;
        try {
            value = Json.decodeValue(raw);
        } catch (DecodeException e) {
            throw ApiError.badRequest("the body is not valid JSON");
        }
        if (!(value instanceof JsonObject o)) {
            throw ApiError.badRequest("the body must be a JSON object");
        }
        for (String field : o.fieldNames()) {
            if (!allowed.contains(field)) {
                throw ApiError.badRequest(Roster.validId(field) ? "unknown member " + field : "unknown member");
            }
        }
        return o;
    }

    /** A required string member. */
    static String string(JsonObject body, String field) {
        if (!(body.getValue(field) instanceof String s)) {
            throw ApiError.badRequest(field + " must be a string");
        }
        return s;
    }

    /** An optional integer member within {@code [min, max]}; absent or {@code null}: empty. */
    static Optional<Integer> integer(JsonObject body, String field, int min, int max) {
        Object v = body.getValue(field);
        if (v == null) {
            return Optional.empty();
        }
        long n = switch (v) {
            case Integer i -> i;
            case Long l -> l;
            default -> throw ApiError.badRequest(field + " must be an integer within " + min + ".." + max);
        };
        if (n < min || n > max) {
            throw ApiError.badRequest(field + " must be an integer within " + min + ".." + max);
        }
        return Optional.of((int) n);
    }

    /** The query of an audit request; {@code defaultLimit} when {@code limit} is absent. */
    static AuditQuery auditQuery(RoutingContext ctx, int defaultLimit) {
        MultiMap params = ctx.queryParams();
        for (String name : params.names()) {
            if (!Set.of("team", "user", "from", "to", "after", "limit").contains(name)) {
                throw ApiError.badRequest("unknown query parameter");
            }
            if (params.getAll(name).size() > 1) {
                throw ApiError.badRequest(name + " is given more than once");
            }
        }
        Optional<String> team = Optional.ofNullable(params.get("team")).map(t -> checkId("team", t));
        Optional<String> user = Optional.ofNullable(params.get("user")).map(u -> checkId("user", u));
        Optional<Instant> from = Optional.ofNullable(params.get("from")).map(f -> time("from", f));
        Optional<Instant> to = Optional.ofNullable(params.get("to")).map(t -> time("to", t));
        long after = Optional.ofNullable(params.get("after")).map(a -> number("after", a, 0, Long.MAX_VALUE)).orElse(0L);
        int limit = Optional.ofNullable(params.get("limit")).map(l -> (int) number("limit", l, 1, AuditQuery.MAX_LIMIT))
                .orElse(defaultLimit);
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw ApiError.badRequest("from must be before to");
        }
        return new AuditQuery(team, user, from, to, after, limit);
    }

    private static String checkId(String name, String v) {
        if (!Roster.validId(v)) {
            throw ApiError.badRequest(name + " must match [A-Za-z0-9._-]{1,64}");
        }
        return v;
    }

    private static Instant time(String name, String v) {
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(name + " must be an RFC 3339 date-time, e.g. 2025-01-31T08:00:00Z");
        }
    }

    private static long number(String name, String v, long min, long max) {
        if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ApiError.badRequest(name + " must be an integer within " + min + ".." + max);
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < min || n > max) {
            throw ApiError.badRequest(name + " must be an integer within " + min + ".." + max);
        }
        return n;
    }
}
