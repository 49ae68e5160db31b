package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.extension.Extension;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * RFC 9420 §8.1:
 * <pre>
 * struct {
 *     ProtocolVersion version = mls10;
 *     CipherSuite cipher_suite;
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     opaque tree_hash&lt;V&gt;;
 *     opaque confirmed_transcript_hash&lt;V&gt;;
 *     Extension extensions&lt;V&gt;;
 * } GroupContext;
 * </pre>
 *
 * <p>An immutable value with the accessors of a record. It is not a record because it keeps its own
 * encoding: the GroupContext is serialized for every signature (FramedContentTBS), every key
 * schedule step and every UpdatePath encryption, so the bytes are computed once, when the value is
 * built or decoded, and {@link #encode(TlsWriter)} copies them out. The byte-array fields are
 * copied in and out so the cached encoding cannot go stale; extension payloads must not be modified
 * after construction (as everywhere for {@link Extension}). Equality is by encoding.
 *
 * <p>{@code version} is always {@code mls10}; decoding any other version fails.
 */
public final class GroupContext implements TlsEncodable {

    /** {@code ProtocolVersion mls10} (RFC 9420 §6). */
    public static final int MLS10 = 1;

    private final int cipherSuite;
    private final byte[] groupId;
    private final long epoch;
    private final byte[] treeHash;
    private final byte[] confirmedTranscriptHash;
    private final List<Extension> extensions;
    private final byte[] encoded;

    /**
     * @param cipherSuite the {@code uint16} suite value
     * @param epoch an unsigned 64-bit value
     */
    public GroupContext(int cipherSuite, byte[] groupId, long epoch, byte[] treeHash,
            byte[] confirmedTranscriptHash, List<Extension> extensions) {
        this(cipherSuite, groupId.clone(), epoch, treeHash.clone(), confirmedTranscriptHash.clone(),
                List.copyOf(extensions), null);
    }

    /** Takes ownership of the arrays; {@code encoded} is their encoding, or null to compute it. */
    private GroupContext(int cipherSuite, byte[] groupId, long epoch, byte[] treeHash,
            byte[] confirmedTranscriptHash, List<Extension> extensions, byte[] encoded) {
        this.cipherSuite = cipherSuite;
        this.groupId = groupId;
        this.epoch = epoch;
        this.treeHash = treeHash;
        this.confirmedTranscriptHash = confirmedTranscriptHash;
        this.extensions = extensions;
        this.encoded = encoded != null ? encoded : encodeFields();
    }

    /**
     * The GroupContext of a new group (RFC 9420 §11): epoch 0 and an empty confirmed transcript
     * hash.
     */
    public static GroupContext initial(int cipherSuite, byte[] groupId, byte[] treeHash, List<Extension> extensions) {
        return new GroupContext(cipherSuite, groupId, 0, treeHash, new byte[0], extensions);
    }

    private byte[] encodeFields() {
        int size = 24 + groupId.length + treeHash.length + confirmedTranscriptHash.length;
        for (Extension e : extensions) {
            size += 6 + e.data().length;
        }
        TlsWriter w = new TlsWriter(size);
        w.u16(MLS10).u16(cipherSuite).opaque(groupId).u64(epoch).opaque(treeHash).opaque(confirmedTranscriptHash);
        w.vector(extensions);
        return w.toByteArray();
    }

    public static GroupContext decode(TlsReader r) {
        int start = r.position();
        int version = r.u16();
        if (version != MLS10) {
            throw new DecodeException("GroupContext version " + version + " is not mls10");
        }
        int suite = r.u16();
        byte[] groupId = r.opaque();
        long epoch = r.u64();
        byte[] treeHash = r.opaque();
        byte[] cth = r.opaque();
        List<Extension> extensions = r.vector(Extension::decode);
        return new GroupContext(suite, groupId, epoch, treeHash, cth, extensions, r.bytesSince(start));
    }

    @Override
    public void encode(TlsWriter w) {
        w.raw(encoded);
    }

    @Override
    public byte[] toBytes() {
        return encoded.clone();
    }

    /** The cached encoding, lent without copying to this package's derivations. */
    byte[] encodedView() {
        return encoded;
    }

    /** Length of the encoding in bytes. */
    public int encodedLength() {
        return encoded.length;
    }

    public int version() {
        return MLS10;
    }

    /** The {@code uint16} cipher suite value. */
    public int cipherSuite() {
        return cipherSuite;
    }

    public byte[] groupId() {
        return groupId.clone();
    }

    /** The epoch, an unsigned 64-bit value. */
    public long epoch() {
        return epoch;
    }

    public byte[] treeHash() {
        return treeHash.clone();
    }

    public byte[] confirmedTranscriptHash() {
        return confirmedTranscriptHash.clone();
    }

    public List<Extension> extensions() {
        return extensions;
    }

    /** True when {@code id} is this group's id (no copy made). */
    public boolean hasGroupId(byte[] id) {
        return Arrays.equals(groupId, id);
    }

    public GroupContext withEpoch(long newEpoch) {
        return new GroupContext(cipherSuite, groupId, newEpoch, treeHash, confirmedTranscriptHash, extensions, null);
    }

    public GroupContext withTreeHash(byte[] newTreeHash) {
        return new GroupContext(cipherSuite, groupId, epoch, newTreeHash.clone(), confirmedTranscriptHash,
                extensions, null);
    }

    public GroupContext withConfirmedTranscriptHash(byte[] hash) {
        return new GroupContext(cipherSuite, groupId, epoch, treeHash, hash.clone(), extensions, null);
    }

    public GroupContext withExtensions(List<Extension> newExtensions) {
        return new GroupContext(cipherSuite, groupId, epoch, treeHash, confirmedTranscriptHash,
                List.copyOf(newExtensions), null);
    }

    /**
     * The context of the next epoch (RFC 9420 §12.4.2): epoch + 1 with the new tree hash, confirmed
     * transcript hash and extensions.
     */
    public GroupContext next(byte[] newTreeHash, byte[] newConfirmedTranscriptHash, List<Extension> newExtensions) {
        return new GroupContext(cipherSuite, groupId, epoch + 1, newTreeHash.clone(),
                newConfirmedTranscriptHash.clone(), List.copyOf(newExtensions), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupContext g && Arrays.equals(encoded, g.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "GroupContext[suite=" + cipherSuite + ", groupId="
                + HexFormat.of().formatHex(groupId, 0, Math.min(8, groupId.length))
                + (groupId.length > 8 ? "…" : "") + ", epoch=" + Long.toUnsignedString(epoch)
                + ", " + extensions.size() + " extensions]";
    }
}
