package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.schedule.GroupContext;

/**
 * RFC 9420 §6.1:
 * <pre>
 * struct {
 *     ProtocolVersion version = mls10;
 *     WireFormat wire_format;
 *     FramedContent content;
 *     select (FramedContentTBS.content.sender.sender_type) {
 *         case member:
 *         case new_member_commit:
 *             GroupContext context;
 *         case external:
 *         case new_member_proposal:
 *             struct{};
 *     };
 * } FramedContentTBS;
 * </pre>
 * Built from the current GroupContext, which is written only for the sender types that cover it;
 * only ever encoded, never decoded.
 */
public record FramedContentTbs(WireFormat wireFormat, FramedContent content, GroupContext context)
        implements TlsEncodable {

    public static final String SIGN_LABEL = "FramedContentTBS";

    /** {@code ProtocolVersion mls10}. */
    static final int MLS10 = 1;

    @Override
    public void encode(TlsWriter w) {
        w.u16(MLS10).u16(wireFormat.wire()).write(content);
        if (content.sender().signsGroupContext()) {
            w.write(context);
        }
    }

    /** {@code SignWithLabel(key, "FramedContentTBS", FramedContentTBS)}. */
    public byte[] sign(CipherSuite suite, SignaturePrivateKey key) {
        return suite.signWithLabel(key, SIGN_LABEL, toBytes());
    }

    /** {@code VerifyWithLabel(key, "FramedContentTBS", FramedContentTBS, signature)}. */
    public boolean verify(CipherSuite suite, SignaturePublicKey key, byte[] signature) {
        return suite.verifyWithLabel(key, SIGN_LABEL, toBytes(), signature);
    }
}
