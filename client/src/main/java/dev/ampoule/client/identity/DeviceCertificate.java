package dev.ampoule.client.identity;

import dev.ampoule.mls.credential.Credential;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A device certificate as an MLS {@code x509} credential (RFC 9420 §5.3: the device's certificate
 * first, then the issuing CA's), with the device certificate's validity.
 */
public record DeviceCertificate(Credential.X509 credential, Instant notBefore, Instant notAfter) {

    public DeviceCertificate {
        Objects.requireNonNull(credential, "credential");
    }

    /** When to ask for the next one: two thirds into the certificate's lifetime. */
    public Instant renewAt() {
        return notBefore.plus(Duration.between(notBefore, notAfter).multipliedBy(2).dividedBy(3));
    }
}
