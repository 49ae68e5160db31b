package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Welcome;

/**
 * RFC 9420 §6:
 * <pre>
 * struct {
 *     ProtocolVersion version = mls10;
 *     WireFormat wire_format;
 *     select (MLSMessage.wire_format) {
 *         case mls_public_message:  PublicMessage public_message;
 *         case mls_private_message: PrivateMessage private_message;
 *         case mls_welcome:         Welcome welcome;
 *         case mls_group_info:      GroupInfo group_info;
 *         case mls_key_package:     KeyPackage key_package;
 *     };
 * } MLSMessage;
 * </pre>
 * One record per wire format. A version other than mls10 or an unknown wire format fails to
 * decode. (A KeyPackage inside must also carry version mls10, RFC 9420 §10; that is checked by
 * {@link KeyPackage#validate}.)
 */
public sealed interface MlsMessage extends TlsEncodable permits MlsMessage.OfPublicMessage,
        MlsMessage.OfPrivateMessage, MlsMessage.OfWelcome, MlsMessage.OfGroupInfo, MlsMessage.OfKeyPackage {

    /** {@code ProtocolVersion mls10}. */
    int MLS10 = 1;

    WireFormat wireFormat();

    /** Writes the body that follows {@code version} and {@code wire_format}. */
    void encodeBody(TlsWriter w);

    @Override
    default void encode(TlsWriter w) {
        w.u16(MLS10).u16(wireFormat().wire());
        encodeBody(w);
    }

    static MlsMessage decode(TlsReader r) {
        int version = r.u16();
        if (version != MLS10) {
            throw new DecodeException("unsupported protocol version " + version);
        }
        return switch (WireFormat.decode(r)) {
            case PUBLIC_MESSAGE -> new OfPublicMessage(PublicMessage.decode(r));
            case PRIVATE_MESSAGE -> new OfPrivateMessage(PrivateMessage.decode(r));
            case WELCOME -> new OfWelcome(Welcome.decode(r));
            case GROUP_INFO -> new OfGroupInfo(GroupInfo.decode(r));
            case KEY_PACKAGE -> new OfKeyPackage(KeyPackage.decode(r));
        };
    }

    /** Decodes exactly one MLSMessage from {@code bytes}: trailing bytes are an error. */
    static MlsMessage fromBytes(byte[] bytes) {
        return TlsReader.decodeExactly(bytes, MlsMessage::decode);
    }

    record OfPublicMessage(PublicMessage message) implements MlsMessage {
        @Override
        public WireFormat wireFormat() {
            return WireFormat.PUBLIC_MESSAGE;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(message);
        }
    }

    record OfPrivateMessage(PrivateMessage message) implements MlsMessage {
        @Override
        public WireFormat wireFormat() {
            return WireFormat.PRIVATE_MESSAGE;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(message);
        }
    }

    record OfWelcome(Welcome welcome) implements MlsMessage {
        @Override
        public WireFormat wireFormat() {
            return WireFormat.WELCOME;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(welcome);
        }
    }

    record OfGroupInfo(GroupInfo groupInfo) implements MlsMessage {
        @Override
        public WireFormat wireFormat() {
            return WireFormat.GROUP_INFO;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(groupInfo);
        }
    }

    record OfKeyPackage(KeyPackage keyPackage) implements MlsMessage {
        @Override
        public WireFormat wireFormat() {
            return WireFormat.KEY_PACKAGE;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(keyPackage);
        }
    }
}
