package dev.ampoule.relay.audit;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * An entry of the audit log as stored: its position, when it was written, the event, the hash of
 * the previous entry and its own hash (lower-case hex SHA-256). {@link #jsonLine()} is exactly
 * the line in the log file (and in an export).
 */
public record AuditEntry(long seq, Instant time, AuditEvent event, String prevHash, String hash, String jsonLine) {

    /**
     * The entry as a JSON object with the members of its line in the same order ({@code seq, time,
     * type, actor, team, user, details, prev, hash}), for JSON API responses.
     */
    public JsonObject toJson() {
        return new JsonObject(jsonLine);
    }
}
