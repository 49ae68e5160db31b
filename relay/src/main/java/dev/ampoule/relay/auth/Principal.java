package dev.ampoule.relay.auth;

import java.time.Instant;

/** An authenticated user: the token's {@code sub} and when the token expires. */
public record Principal(String userId, Instant expiresAt) {
}
