package dev.ampoule.identity.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a verified token says about its holder: the subject (the user id), when it expires, the
 * organisation ({@code org} claim) and the roles ({@code roles} claim, in the token's order).
 */
public record Claims(String subject, Instant expiresAt, Optional<String> org, List<String> roles) {

    public Claims {
        roles = List.copyOf(roles);
    }
}
