package dev.ampoule.mls.credential;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 9420 §5.3:
 * <pre>
 * struct {
 *     CredentialType credential_type;
 *     select (Credential.credential_type) {
 *         case basic:
 *             opaque identity&lt;V&gt;;
 *         case x509:
 *             Certificate certificates&lt;V&gt;;
 *     };
 * } Credential;
 * </pre>
 * The body has no length prefix, so a credential of a type this implementation does not know
 * cannot be skipped: it fails to decode.
 */
public sealed interface Credential extends TlsEncodable permits Credential.Basic, Credential.X509 {

    int BASIC = 0x0001;
    int X509 = 0x0002;

    /** The {@code CredentialType} wire value. */
    int type();

    static Credential decode(TlsReader r) {
        int type = r.u16();
        return switch (type) {
            case BASIC -> new Basic(r.opaque());
            case X509 -> new X509(r.vector(Certificate::decode));
            default -> throw new DecodeException("unknown credential type " + type);
        };
    }

    /** {@code basic}: an application-defined identity, authenticated by the application. */
    record Basic(byte[] identity) implements Credential {
        @Override
        public int type() {
            return BASIC;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u16(BASIC).opaque(identity);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Basic b && Arrays.equals(identity, b.identity);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(identity);
        }

        @Override
        public String toString() {
            return "Basic[" + identity.length + " bytes]";
        }
    }

    /** {@code x509}: a chain of DER certificates, the leaf first. */
    record X509(List<Certificate> certificates) implements Credential {
        public X509 {
            certificates = List.copyOf(certificates);
        }

        @Override
        public int type() {
            return X509;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u16(X509).vector(certificates);
        }
    }

    /** {@code struct { opaque cert_data<V>; } Certificate;} */
    record Certificate(byte[] certData) implements TlsEncodable {
        @Override
        public void encode(TlsWriter w) {
            w.opaque(certData);
        }

        public static Certificate decode(TlsReader r) {
            return new Certificate(r.opaque());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Certificate c && Arrays.equals(certData, c.certData);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(certData);
        }

        @Override
        public String toString() {
            return "Certificate[" + certData.length + " bytes]";
        }
    }
}
