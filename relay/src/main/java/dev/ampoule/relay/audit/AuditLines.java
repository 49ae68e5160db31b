package dev.ampoule.relay.audit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The canonical line of an audit entry, its hash, and parsing it back. The rule is the one in
 * {@link FileAuditLog}'s documentation: members in the order {@code seq, time, type, actor, team,
 * user, details, prev, hash}, {@code details} keys sorted, absent values {@code null}, time in
 * milliseconds as {@code yyyy-MM-ddTHH:mm:ss.SSSZ}, compact JSON as Jackson writes it; the hash is
 * the lower-case hex SHA-256 of the line's UTF-8 bytes without its final {@code ,"hash":"…"}
 * member.
 */
final class AuditLines {

    /** {@code prev} of the first entry. */
    static final String GENESIS = "0".repeat(64);
    /** No line is longer (the limits on events keep real lines far below). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    static final int MAX_VALUE_CHARS = 256;
    static final int MAX_DETAILS = 32;

    private static final String HASH_MEMBER = ",\"hash\":\"";
    /** {@code ,"hash":"} + 64 hex digits + {@code "}}. */
    private static final int HASH_SUFFIX = HASH_MEMBER.length() + 64 + 2;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern DETAIL_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Map<String, AuditType> TYPES = new HashMap<>();

    static {
        for (AuditType t : AuditType.values()) {
            TYPES.put(t.wireName(), t);
        }
    }

    /** A line that is not a well-formed, canonical, correctly hashed entry; the reason names no content. */
    static final class MalformedEntry extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedEntry(String reason) {
            super(reason, null, false, false);
        }
    }

    private AuditLines() {
    }

    static String formatTime(Instant time) {
        return TIME.format(time);
    }

    /** Builds the entry {@code seq} for an event: its canonical line and hash. */
    static AuditEntry encode(long seq, Instant time, AuditEvent event, String prev) {
        Instant t = time.truncatedTo(ChronoUnit.MILLIS);
        String unhashed = unhashed(seq, t, event, prev);
        String hash = sha256Hex(unhashed);
        String line = unhashed.substring(0, unhashed.length() - 1) + HASH_MEMBER + hash + "\"}";
        return new AuditEntry(seq, t, event, prev, hash, line);
    }

    /** The canonical JSON of the entry without its hash member: what the hash covers. */
    static String unhashed(long seq, Instant time, AuditEvent event, String prev) {
        Map<String, Object> details = new TreeMap<>(event.details());
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("seq", seq);
        members.put("time", formatTime(time));
        members.put("type", event.type().wireName());
        members.put("actor", event.actor().orElse(null));
        members.put("team", event.team().orElse(null));
        members.put("user", event.user().orElse(null));
        members.put("details", new JsonObject(details));
        members.put("prev", prev);
        return new JsonObject(members).encode();
    }

    static String sha256Hex(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Why an event may not be written, if it may not: a value that is too long or looks like a
     * bearer token, too many details, a detail name that is not an identifier. Names the field,
     * never its value.
     */
    static Optional<String> refusal(AuditEvent event) {
        if (event.type() == null) {
            return Optional.of("an audit event needs a type");
        }
        Optional<String> r = value("actor", event.actor()).or(() -> value("team", event.team()))
                .or(() -> value("user", event.user()));
        if (r.isPresent()) {
            return r;
        }
        if (event.details().size() > MAX_DETAILS) {
            return Optional.of("an audit event has at most " + MAX_DETAILS + " details");
        }
        for (Map.Entry<String, String> d : event.details().entrySet()) {
            if (!DETAIL_KEY.matcher(d.getKey()).matches()) {
                return Optional.of("an audit detail name must match " + DETAIL_KEY.pattern());
            }
            Optional<String> v = value("details." + d.getKey(), Optional.of(d.getValue()));
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> value(String field, Optional<String> value) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String v = value.get();
        if (v.length() > MAX_VALUE_CHARS) {
            return Optional.of("audit field " + field + " is longer than " + MAX_VALUE_CHARS + " characters");
        }
        if (looksLikeToken(v)) {
            return Optional.of("audit field " + field + " looks like a bearer token");
        }
        return Optional.empty();
    }

    /** A JWT (three base64url parts, the header starting {@code eyJ}) or an Authorization header value. */
    static boolean looksLikeToken(String v) {
        String s = v.strip();
        if (s.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return true;
        }
        return s.startsWith("eyJ") && s.chars().filter(c -> c == '.').count() >= 2;
    }

    /** Parses a line (without its newline) into an entry; checks its shape, not its hash (see {@link #check}). */
    static AuditEntry parse(String line) throws MalformedEntry {
        if (line.isEmpty()) {
            throw new MalformedEntry("empty line");
        }
        int cut = line.length() - HASH_SUFFIX;
        if (cut < 1 || !line.startsWith(HASH_MEMBER, cut) || !line.endsWith("\"}")) {
            throw new MalformedEntry("the line does not end with its hash member");
        }
        String hash = line.substring(cut + HASH_MEMBER.length(), line.length() - 2);
        if (!HEX64.matcher(hash).matches()) {
            throw new MalformedEntry("hash is not 64 lower-case hex digits");
        }
        JsonObject o;
        try {
            o = new JsonObject(line);
        } catch (DecodeException | ClassCastException e) {
            throw new MalformedEntry("the line is not a valid JSON object");
        }
        long seq = switch (o.getValue("seq")) {
            case Integer i -> i;
            case Long l -> l;
            case null, default -> throw new MalformedEntry("seq is not an integer");
        };
        if (seq < 1) {
            throw new MalformedEntry("seq is not positive");
        }
        Instant time;
        if (o.getValue("time") instanceof String ts) {
            try {
                time = TIME.parse(ts, Instant::from);
            } catch (DateTimeParseException e) {
                throw new MalformedEntry("time is not a UTC timestamp in milliseconds");
            }
        } else {
            throw new MalformedEntry("time is not a string");
        }
        AuditType type = o.getValue("type") instanceof String ws ? TYPES.get(ws) : null;
        if (type == null) {
            throw new MalformedEntry("type is not a known audit type");
        }
        Optional<String> actor = optionalString(o, "actor");
        Optional<String> team = optionalString(o, "team");
        Optional<String> user = optionalString(o, "user");
        if (!(o.getValue("details") instanceof JsonObject dj)) {
            throw new MalformedEntry("details is not an object");
        }
        Map<String, String> details = new HashMap<>();
        for (Map.Entry<String, Object> d : dj) {
            if (!(d.getValue() instanceof String dv)) {
                throw new MalformedEntry("a detail value is not a string");
            }
            details.put(d.getKey(), dv);
        }
        if (!(o.getValue("prev") instanceof String prev) || !HEX64.matcher(prev).matches()) {
            throw new MalformedEntry("prev is not 64 lower-case hex digits");
        }
        return new AuditEntry(seq, time, new AuditEvent(type, actor, team, user, details), prev, hash, line);
    }

    private static Optional<String> optionalString(JsonObject o, String key) throws MalformedEntry {
        if (!o.containsKey(key)) {
            throw new MalformedEntry(key + " is missing");
        }
        return switch (o.getValue(key)) {
            case null -> Optional.empty();
            case String s -> Optional.of(s);
            default -> throw new MalformedEntry(key + " is not a string");
        };
    }

    /** Checks that a parsed entry's line is canonical and its hash recomputes. */
    static void check(AuditEntry e) throws MalformedEntry {
        String unhashed = unhashed(e.seq(), e.time(), e.event(), e.prevHash());
        String line = e.jsonLine();
        int cut = line.length() - HASH_SUFFIX;
        if (unhashed.length() - 1 != cut || !line.regionMatches(0, unhashed, 0, cut)) {
            throw new MalformedEntry("the line is not in canonical form");
        }
        if (!sha256Hex(unhashed).equals(e.hash())) {
            throw new MalformedEntry("the hash does not match the entry");
        }
    }
}
