package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link AuthenticationService} that hands each credential to the service configured for its
 * type: {@code basic} to one (typically a {@link BasicCredentialValidator}), {@code x509} to another
 * (typically an {@link X509CredentialValidator}). A credential of a type with no configured service
 * is refused with {@link CredentialRule#UNSUPPORTED_CREDENTIAL_TYPE}.
 *
 * <p>Replacement is delegated to the service of the credentials' type when both have the same type;
 * a credential never replaces one of another type.
 */
public final class CompositeAuthenticationService implements AuthenticationService {

    private final Optional<AuthenticationService> basic;
    private final Optional<AuthenticationService> x509;

    private CompositeAuthenticationService(Builder b) {
        this.basic = b.basic;
        this.x509 = b.x509;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
            CredentialContext context) {
        serviceFor(credential)
                .orElseThrow(() -> new ValidationException(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE,
                        "type " + credential.type()))
                .validate(credential, signatureKey, suite, context);
    }

    @Override
    public boolean allowsReplacement(Credential current, Credential successor) {
        return current.type() == successor.type()
                && serviceFor(current).map(s -> s.allowsReplacement(current, successor)).orElse(false);
    }

    private Optional<AuthenticationService> serviceFor(Credential credential) {
        return switch (credential) {
            case Credential.Basic b -> basic;
            case Credential.X509 x -> x509;
        };
    }

    /** Configuration: the service per credential type; types left unset are refused. */
    public static final class Builder {
        private Optional<AuthenticationService> basic = Optional.empty();
        private Optional<AuthenticationService> x509 = Optional.empty();

        private Builder() {}

        public Builder basic(AuthenticationService service) {
            this.basic = Optional.of(Objects.requireNonNull(service));
            return this;
        }

        public Builder x509(AuthenticationService service) {
            this.x509 = Optional.of(Objects.requireNonNull(service));
            return this;
        }

        public CompositeAuthenticationService build() {
            return new CompositeAuthenticationService(this);
        }
    }
}
