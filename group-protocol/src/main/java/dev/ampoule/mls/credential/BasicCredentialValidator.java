package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Validation of {@code basic} credentials (RFC 9420 §5.3): "a bare assertion of an identity, without
 * any additional information". Nothing in the credential proves the binding of the identity to the
 * signature key, so the application must supply that knowledge — a directory of the keys each
 * identity has registered, or at least the set of identities it accepts.
 *
 * <p>Every policy rejects an empty identity ({@link CredentialRule#EMPTY_IDENTITY}) and credentials
 * of any other type ({@link CredentialRule#UNSUPPORTED_CREDENTIAL_TYPE}). The identity bytes are
 * handed to the application's function as a copy.
 *
 * <p>Replacement (§5.3.1): a basic credential may replace another when both carry the same identity
 * bytes; the signature key may change (a member may rotate its signature key, RFC 9750 §4).
 */
public final class BasicCredentialValidator implements AuthenticationService {

    private sealed interface Policy {
        record AnyIdentity() implements Policy {}

        record TrustedIdentities(Predicate<byte[]> trusted) implements Policy {}

        record KeyDirectory(Function<byte[], Set<SignaturePublicKey>> keysOf) implements Policy {}
    }

    private final Policy policy;

    private BasicCredentialValidator(Policy policy) {
        this.policy = policy;
    }

    /**
     * Accepts any non-empty identity with any signature key. The binding is then trusted on first
     * use: suitable for tests and development, not for production.
     */
    public static BasicCredentialValidator acceptingAnyIdentity() {
        return new BasicCredentialValidator(new Policy.AnyIdentity());
    }

    /**
     * Accepts the identities {@code trusted} approves ({@link CredentialRule#UNKNOWN_IDENTITY}
     * otherwise), with any signature key: for applications that bind keys to identities elsewhere.
     */
    public static BasicCredentialValidator trusting(Predicate<byte[]> trusted) {
        return new BasicCredentialValidator(new Policy.TrustedIdentities(Objects.requireNonNull(trusted)));
    }

    /**
     * Accepts an identity only with one of the signature keys the application registered for it.
     *
     * @param keysOf the keys bound to an identity; an empty set for an identity the application does
     *     not know ({@link CredentialRule#UNKNOWN_IDENTITY}). A key outside the set is refused with
     *     {@link CredentialRule#KEY_NOT_BOUND_TO_IDENTITY}.
     */
    public static BasicCredentialValidator withKeyDirectory(Function<byte[], Set<SignaturePublicKey>> keysOf) {
        return new BasicCredentialValidator(new Policy.KeyDirectory(Objects.requireNonNull(keysOf)));
    }

    @Override
    public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
            CredentialContext context) {
        Objects.requireNonNull(signatureKey, "signatureKey");
        if (!(credential instanceof Credential.Basic basic)) {
            throw new ValidationException(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE,
                    "type " + credential.type());
        }
        byte[] identity = basic.identity();
        if (identity.length == 0) {
            throw new ValidationException(CredentialRule.EMPTY_IDENTITY);
        }
        switch (policy) {
            case Policy.AnyIdentity any -> { }
            case Policy.TrustedIdentities t -> {
                if (!t.trusted().test(identity.clone())) {
                    throw new ValidationException(CredentialRule.UNKNOWN_IDENTITY);
                }
            }
            case Policy.KeyDirectory d -> {
                Set<SignaturePublicKey> keys = d.keysOf().apply(identity.clone());
                if (keys == null || keys.isEmpty()) {
                    throw new ValidationException(CredentialRule.UNKNOWN_IDENTITY);
                }
                if (!keys.contains(signatureKey)) {
                    throw new ValidationException(CredentialRule.KEY_NOT_BOUND_TO_IDENTITY);
                }
            }
        }
    }

    /** True when both are basic credentials with the same non-empty identity bytes. */
    @Override
    public boolean allowsReplacement(Credential current, Credential successor) {
        return current instanceof Credential.Basic a && successor instanceof Credential.Basic b
                && a.identity().length > 0 && a.equals(b);
    }
}
