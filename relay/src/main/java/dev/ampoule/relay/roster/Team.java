package dev.ampoule.relay.roster;

import java.time.Duration;
import java.util.Optional;

/**
 * A care team of an organisation: one MLS group, whose group id is the UTF-8 bytes of {@link #id}.
 * {@code retention} overrides the relay's message TTL for the team's messages when present.
 * Names are chosen by coordinators and may say something about a patient: they are never written
 * to logs, metrics or the audit log (only {@link #id} is).
 */
public record Team(String id, String orgId, String name, boolean archived, Optional<Duration> retention,
        long createdMillis) {
}
