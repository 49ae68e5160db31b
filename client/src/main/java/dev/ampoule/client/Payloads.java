package dev.ampoule.client;

import dev.ampoule.client.content.ContentKey;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The application data of this SDK's group messages (the plaintext MLS encrypts). Text is its
 * UTF-8 bytes, as it always was; anything else is an envelope whose first two bytes, 0x00 0xA7,
 * can begin no UTF-8 text (0xA7 is a continuation byte):
 * <pre>
 * struct {
 *     uint8 magic[2];                  // 0x00 0xA7
 *     uint8 version;                   // 1
 *     uint8 type;                      // 1 binary, 2 attachment, 3 history grant, 4 record key
 *     select (type) {
 *         case binary:     opaque content_type&lt;V&gt;; opaque data&lt;V&gt;;
 *         case attachment: opaque content_type&lt;V&gt;; opaque name&lt;V&gt;; uint64 size;
 *                          opaque blob_id&lt;V&gt;; uint64 blob_size; opaque digest&lt;V&gt;; opaque key&lt;V&gt;;
 *         case history grant: opaque grantee&lt;V&gt;; uint32 from_day; uint32 to_day; SealedTo sealed&lt;V&gt;;
 *         case record key: opaque blob_id&lt;V&gt;; SealedTo sealed&lt;V&gt;;
 *     };
 * } Envelope;
 *
 * struct { uint32 leaf_index; HPKECiphertext sealed; } SealedTo;   // to that member's leaf key
 * </pre>
 * A history grant's {@code SealedTo} entries each hold, sealed to one of the grantee's devices
 * ({@code SafeEncryptWithLabel}, component {@link dev.ampoule.client.content.HistoryCipher#COMPONENT},
 * label "history grant", context {@code group_id || uint64 epoch || uint32 leaf_index}):
 * <pre>
 * struct { struct { uint64 epoch; uint32 day; opaque key&lt;V&gt;; } day_keys&lt;V&gt;; } GrantedKeys;
 * </pre>
 * A record key's entries each hold, sealed to one recipient device the same way (label "record
 * key"), the record's reference: an attachment {@code Envelope} (its key, digest, name, type, sizes).
 * Decoding is strict: a malformed envelope is a {@link DecodeException}.
 */
final class Payloads {

    static final int MAGIC0 = 0x00;
    static final int MAGIC1 = 0xA7;
    static final int VERSION = 1;
    static final int BINARY = 1;
    static final int ATTACHMENT = 2;
    static final int HISTORY_GRANT = 3;
    static final int RECORD_KEY = 4;
    /** The longest content type or file name. */
    static final int MAX_LABEL = 255;

    private Payloads() {
    }

    /** Whether {@code data} is an envelope (not text). */
    static boolean isEnvelope(byte[] data) {
        return data.length >= 2 && (data[0] & 0xFF) == MAGIC0 && (data[1] & 0xFF) == MAGIC1;
    }

    static byte[] encode(Content content) {
        return switch (content) {
            case Content.Text t -> t.text().getBytes(StandardCharsets.UTF_8);
            case Content.Binary b -> {
                TlsWriter w = header(BINARY, b.data().length() + 64);
                label(w, b.contentType());
                w.opaque(b.data().unsafeArray());
                yield w.toByteArray();
            }
            case Content.File f -> {
                Attachment a = f.attachment();
                TlsWriter w = header(ATTACHMENT, 256);
                label(w, a.contentType());
                label(w, a.name());
                w.u64(a.size());
                w.opaque(a.blobId().unsafeArray());
                w.u64(a.blobSize());
                w.opaque(a.digest().unsafeArray());
                w.opaque(a.key().reveal());
                byte[] out = w.toByteArray();
                w.wipe();
                yield out;
            }
        };
    }

    static TlsWriter header(int type, int capacity) {
        TlsWriter w = new TlsWriter(capacity);
        w.u8(MAGIC0).u8(MAGIC1).u8(VERSION).u8(type);
        return w;
    }

    static void label(TlsWriter w, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_LABEL) {
            throw new IllegalArgumentException("content types and names have at most " + MAX_LABEL + " bytes");
        }
        w.opaque(b);
    }

    static String label(TlsReader r) {
        byte[] b = r.opaque();
        if (b.length > MAX_LABEL) {
            throw new DecodeException("a label longer than " + MAX_LABEL + " bytes");
        }
        return utf8(b);
    }

    /** What a group message carries: content for the application, or keys for some of its members. */
    sealed interface Decoded {
    }

    /** Content, shown to the application. */
    record Shown(Content content) implements Decoded {
    }

    /** Something sealed to one member's leaf key. */
    record SealedTo(int leaf, HpkeCiphertext sealed) {
    }

    /** A history grant: the day keys of days {@code fromDay} to {@code toDay}, sealed to each of the grantee's devices. */
    record Grant(String grantee, long fromDay, long toDay, List<SealedTo> sealed) implements Decoded {
    }

    /** A shared record's key (its reference), sealed to each recipient device. */
    record RecordKey(Bytes blobId, List<SealedTo> sealed) implements Decoded {
    }

    static byte[] encodeRecordKey(RecordKey k) {
        TlsWriter w = header(RECORD_KEY, 64 + 128 * k.sealed().size());
        w.opaque(k.blobId().unsafeArray());
        sealed(w, k.sealed());
        return w.toByteArray();
    }

    private static void sealed(TlsWriter w, List<SealedTo> sealed) {
        w.vector(sealed, (wr, s) -> {
            wr.u32(s.leaf());
            s.sealed().encode(wr);
        });
    }

    private static List<SealedTo> sealed(TlsReader r) {
        return r.vector(rd -> new SealedTo((int) rd.u32(), HpkeCiphertext.decode(rd)));
    }

    static byte[] encodeGrant(Grant g) {
        TlsWriter w = header(HISTORY_GRANT, 256 + 128 * g.sealed().size());
        label(w, g.grantee());
        w.u32(g.fromDay());
        w.u32(g.toDay());
        sealed(w, g.sealed());
        return w.toByteArray();
    }

    /** The content of a group message of {@code groupId} (a test's view: keys are refused). */
    static Content decode(GroupId groupId, byte[] data) {
        if (decodeMessage(groupId, data) instanceof Shown s) {
            return s.content();
        }
        throw new DecodeException("not content");
    }

    /** What a group message of {@code groupId} carries. */
    static Decoded decodeMessage(GroupId groupId, byte[] data) {
        if (!isEnvelope(data)) {
            return new Shown(new Content.Text(text(data)));
        }
        return TlsReader.decodeExactly(data, r -> {
            r.u8();
            r.u8();
            int version = r.u8();
            if (version != VERSION) {
                throw new DecodeException("message envelope version " + version);
            }
            int type = r.u8();
            return switch (type) {
                case BINARY -> new Shown(new Content.Binary(label(r), Bytes.wrap(r.opaque())));
                case ATTACHMENT -> {
                    String contentType = label(r);
                    String name = label(r);
                    long size = r.u64();
                    Bytes blobId = Bytes.wrap(r.opaque());
                    long blobSize = r.u64();
                    Bytes digest = Bytes.wrap(r.opaque());
                    byte[] key = r.opaque();
                    if (key.length != ContentKey.LENGTH || size < 0 || blobSize < 0) {
                        throw new DecodeException("a malformed attachment");
                    }
                    yield new Shown(new Content.File(new Attachment(groupId, blobId, contentType, name, size, blobSize,
                            digest, new ContentKey(key))));
                }
                case HISTORY_GRANT -> new Grant(label(r), r.u32(), r.u32(), sealed(r));
                case RECORD_KEY -> new RecordKey(Bytes.wrap(r.opaque()), sealed(r));
                default -> throw new DecodeException("unknown message type " + type);
            };
        });
    }

    /** Text, with malformed UTF-8 replaced (as the SDK always read it). */
    static String text(byte[] utf8) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            return new String(utf8, StandardCharsets.UTF_8);
        }
    }

    /** Strict UTF-8. */
    static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new DecodeException("a label is not UTF-8");
        }
    }
}
