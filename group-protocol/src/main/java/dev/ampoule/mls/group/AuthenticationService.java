package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.SignaturePublicKey;

/**
 * The application's Authentication Service as the group sees it (RFC 9420 §5.3.1, RFC 9750 §4):
 * decides whether a credential is valid and binds the signature key it travels with, and whether a
 * member may replace its credential with another. Called for every leaf the group accepts (Add,
 * Update, commit paths, every leaf of a tree at join — possibly from several threads), so
 * implementations must be thread-safe.
 *
 * <p>Defined minimally here until package {@code credential} provides its own service with basic
 * and X.509 validators.
 */
public interface AuthenticationService {

    /** Whether {@code credential} is valid and vouches for {@code signatureKey} (§5.3.1). */
    boolean isValid(Credential credential, SignaturePublicKey signatureKey);

    /**
     * Whether {@code next} may replace {@code previous} for the same member: in an Update, a commit
     * path, or an external commit that resyncs a member (§5.3.1, §12.2). By default the credential
     * must be unchanged, or for basic credentials name the same identity.
     */
    default boolean isValidSuccessor(Credential previous, Credential next) {
        return previous.equals(next);
    }

    /**
     * Accepts every credential. For tests and for applications that authenticate members out of
     * band only; a deployment must check credentials.
     */
    static AuthenticationService acceptAll() {
        return (credential, key) -> true;
    }
}
