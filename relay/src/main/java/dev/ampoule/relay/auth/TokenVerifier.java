package dev.ampoule.relay.auth;

import io.vertx.core.Future;

/**
 * Verifies a bearer token. Fails with a {@link dev.ampoule.relay.protocol.RelayException} whose
 * code is {@code UNAUTHENTICATED} or {@code TOKEN_EXPIRED}.
 */
public interface TokenVerifier {

    Future<Principal> verify(String token);
}
