package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;

/**
 * The Authentication Service (AS) as the MLS library sees it: the application's judgement of
 * credentials (RFC 9420 §5.3.1; RFC 9750 §4).
 *
 * <p>RFC 9750 §4 gives the AS three duties; the library relies on the last two:
 * <ol>
 *   <li>issue credentials binding identities to signature keys (outside this library);</li>
 *   <li>"verify that a credential presented by another client is valid with respect to a reference
 *       identifier" — {@link #validate};</li>
 *   <li>"verify that a credential represents the same client as another credential" —
 *       {@link #allowsReplacement}.</li>
 * </ol>
 *
 * <p>RFC 9420 §5.3.1: "A member's credential is said to be <em>validated with the AS</em> when the AS
 * verifies that the credential's presented identifiers are correctly associated with the
 * signature_key field in the member's LeafNode, and that those identifiers match the reference
 * identifiers for the member. Whenever a new credential is introduced in the group, it MUST be
 * validated with the AS." The group state machine calls {@link #validate} at each of those events
 * (see {@link CredentialContext}), and {@link #checkReplacement} when an Update or a Commit's
 * UpdatePath gives an existing member a new credential: "the AS MUST also verify that the set of
 * presented identifiers in the new credential is valid as a successor to the set of presented
 * identifiers in the old credential, according to the application's policy."
 *
 * <p>Implementations must be thread-safe, must not block on the network, and must never put key
 * material, certificates or identities in exception messages. Ready-made implementations:
 * {@link BasicCredentialValidator}, {@link X509CredentialValidator} and
 * {@link CompositeAuthenticationService}, which dispatches on the credential type.
 */
public interface AuthenticationService {

    /**
     * Validates a credential with the signature key it is presented with.
     *
     * @param credential the credential of a LeafNode or of an {@code external_senders} entry
     * @param signatureKey the {@code signature_key} presented next to the credential
     * @param suite the group's (or the KeyPackage's) cipher suite, whose signature scheme the
     *     credential's key must use (RFC 9420 §5.1.2)
     * @param context where the credential was seen
     * @throws ValidationException with a {@link CredentialRule} (or an application rule) when the
     *     credential is not acceptable
     */
    void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
            CredentialContext context);

    /**
     * Whether {@code successor} may replace {@code current} as the credential of the same member
     * (an Update proposal, or the committer's new leaf in an UpdatePath). Both credentials are
     * assumed to have been validated. The default accepts only an identical credential; the
     * validators of this package accept a successor that presents the same identity.
     */
    default boolean allowsReplacement(Credential current, Credential successor) {
        return current.equals(successor);
    }

    /**
     * {@link #allowsReplacement} as a check.
     *
     * @throws ValidationException with {@link CredentialRule#REPLACEMENT_NOT_ALLOWED}
     */
    default void checkReplacement(Credential current, Credential successor) {
        if (!allowsReplacement(current, successor)) {
            throw new ValidationException(CredentialRule.REPLACEMENT_NOT_ALLOWED);
        }
    }
}
