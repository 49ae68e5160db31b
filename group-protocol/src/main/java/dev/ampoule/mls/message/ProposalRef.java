package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * RFC 9420 §5.2: {@code HashReference ProposalRef;} with
 * {@code ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)}: the hash of
 * the whole AuthenticatedContent that carried the proposal, not of the Proposal alone. Equality is
 * by value.
 */
public record ProposalRef(byte[] value) implements TlsEncodable {

    /** The RefHash label, used as given (RFC 9420 §5.2). */
    public static final String LABEL = "MLS 1.0 Proposal Reference";

    /** The reference of a proposal sent in the AuthenticatedContent whose encoding is given. */
    public static ProposalRef of(CipherSuite suite, byte[] encodedAuthenticatedContent) {
        return new ProposalRef(suite.refHash(LABEL, encodedAuthenticatedContent));
    }

    @Override
    public void encode(TlsWriter w) {
        w.opaque(value);
    }

    public static ProposalRef decode(TlsReader r) {
        return new ProposalRef(r.opaque());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProposalRef p && Arrays.equals(value, p.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "ProposalRef[" + HexFormat.of().formatHex(value) + "]";
    }
}
