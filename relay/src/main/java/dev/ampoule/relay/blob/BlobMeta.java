package dev.ampoule.relay.blob;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.charset.StandardCharsets;

/**
 * What the relay knows of a stored blob — never its content, which is ciphertext it holds no key
 * for: its group, what it is for, its size and digest, who uploaded it, and when (relay clock,
 * group sequence number, UTC day). Who may read it is decided from these (and the grants and
 * recipients the relay keeps apart). Stored by the {@link BlobStore} once the blob is complete:
 * <pre>
 * struct {
 *     uint8 version;                      // 1
 *     opaque blob_id&lt;V&gt;; opaque group_id&lt;V&gt;;
 *     uint8 kind;                         // Kind
 *     uint64 size; opaque digest&lt;V&gt;;     // SHA-256 of the stored bytes
 *     opaque user_id&lt;V&gt;; opaque device_id&lt;V&gt;;   // the uploader
 *     uint64 created_millis;              // when the upload completed
 *     uint64 group_seq;                   // the group's last sequence number then (history: the message recorded)
 *     uint64 epoch;                       // history: the epoch whose history key encrypts it; else 0
 *     uint32 day;                         // UTC days since 1970-01-01 (history: the record's day)
 * } BlobMeta;
 * </pre>
 */
public record BlobMeta(Bytes blobId, Bytes groupId, Kind kind, long size, Bytes digest, DeviceId uploader,
        long createdMillis, long groupSeq, long epoch, int day) {

    private static final int VERSION = 1;

    /** What a blob is for (its wire value is the protocol's {@code BlobUseType}). */
    public enum Kind {
        ATTACHMENT(1), HISTORY(2), RECORD(3);

        public final int wire;

        Kind(int wire) {
            this.wire = wire;
        }

        static Kind of(int wire) {
            for (Kind k : values()) {
                if (k.wire == wire) {
                    return k;
                }
            }
            throw new DecodeException("unknown blob kind " + wire);
        }
    }

    /** UTC days since 1970-01-01 of an instant in milliseconds. */
    public static int dayOf(long millis) {
        return (int) Math.floorDiv(millis, 86_400_000L);
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter(128);
        w.u8(VERSION);
        w.opaque(blobId.unsafeArray());
        w.opaque(groupId.unsafeArray());
        w.u8(kind.wire);
        w.u64(size);
        w.opaque(digest.unsafeArray());
        w.opaque(uploader.userId().getBytes(StandardCharsets.UTF_8));
        w.opaque(uploader.deviceId().getBytes(StandardCharsets.UTF_8));
        w.u64(createdMillis);
        w.u64(groupSeq);
        w.u64(epoch);
        w.u32(day & 0xFFFF_FFFFL);
        return w.toByteArray();
    }

    /** @throws DecodeException for anything but one whole BlobMeta */
    public static BlobMeta decode(byte[] data) {
        return TlsReader.decodeExactly(data, r -> {
            int version = r.u8();
            if (version != VERSION) {
                throw new DecodeException("blob metadata version " + version);
            }
            Bytes id = Bytes.wrap(r.opaque());
            Bytes group = Bytes.wrap(r.opaque());
            Kind kind = Kind.of(r.u8());
            long size = r.u64();
            Bytes digest = Bytes.wrap(r.opaque());
            String user = new String(r.opaque(), StandardCharsets.UTF_8);
            String device = new String(r.opaque(), StandardCharsets.UTF_8);
            DeviceId uploader = DeviceId.of(user, device).orElseThrow(() -> new DecodeException("bad uploader"));
            return new BlobMeta(id, group, kind, size, digest, uploader, r.u64(), r.u64(), r.u64(), (int) r.u32());
        });
    }
}
