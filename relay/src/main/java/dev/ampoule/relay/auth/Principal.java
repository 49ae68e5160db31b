package dev.ampoule.relay.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * An authenticated user: the token's {@code sub}, when the token expires, the user's organisation
 * (claim {@code org}) and roles (claim {@code roles}, an array of strings; {@value #ORG_ADMIN}
 * makes the user an administrator of their organisation).
 */
public record Principal(String userId, Instant expiresAt, Optional<String> org, Set<String> roles) {

    /** The role that makes a user an administrator of their {@link #org}. */
    public static final String ORG_ADMIN = "org_admin";

    public Principal {
        roles = Set.copyOf(roles);
    }

    /** A user with no organisation and no roles. */
    public Principal(String userId, Instant expiresAt) {
        this(userId, expiresAt, Optional.empty(), Set.of());
    }

    /** Whether the user administers their organisation (has an {@code org} and the {@value #ORG_ADMIN} role). */
    public boolean orgAdmin() {
        return org.isPresent() && roles.contains(ORG_ADMIN);
    }

    /** Whether the user administers organisation {@code orgId}. */
    public boolean adminOf(String orgId) {
        return orgAdmin() && org.get().equals(orgId);
    }
}
