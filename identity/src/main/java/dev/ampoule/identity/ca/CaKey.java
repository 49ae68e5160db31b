package dev.ampoule.identity.ca;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A CA certificate and its private key. The key never appears in {@link #toString()}. */
public record CaKey(X509Certificate certificate, PrivateKey key) {

    public CaKey {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "CaKey[" + certificate.getSubjectX500Principal() + "]";
    }
}
