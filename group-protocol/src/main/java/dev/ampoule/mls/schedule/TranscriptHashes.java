package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;

/**
 * The transcript hashes of RFC 9420 §8.2:
 * <pre>
 * struct {
 *     WireFormat wire_format;
 *     FramedContent content; /* with content_type == commit *&#47;
 *     opaque signature&lt;V&gt;;
 * } ConfirmedTranscriptHashInput;
 *
 * struct {
 *     MAC confirmation_tag;
 * } InterimTranscriptHashInput;
 *
 * confirmed_transcript_hash_[0] = ""; /* zero-length octet string *&#47;
 * interim_transcript_hash_[0] = ""; /* zero-length octet string *&#47;
 *
 * confirmed_transcript_hash_[epoch] =
 *     Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch]);
 *
 * interim_transcript_hash_[epoch] =
 *     Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch]);
 * </pre>
 * The inputs are the encodings of these structs, which the framing layer builds from the Commit's
 * AuthenticatedContent and passes here already encoded. {@code MAC} is {@code opaque MAC<V>}
 * (§6.1), so an InterimTranscriptHashInput is the confirmation tag with its variable-length prefix —
 * not the bare tag; {@link #interimInput(byte[])} builds it, {@link #interimFromTag} does both steps.
 */
public final class TranscriptHashes {

    private TranscriptHashes() {}

    /**
     * {@code confirmed_transcript_hash_[epoch] = Hash(interim_transcript_hash_[epoch - 1] ||
     * ConfirmedTranscriptHashInput_[epoch])}.
     *
     * @param interimBefore the interim transcript hash of the epoch the Commit was sent in (empty for
     *     epoch 0)
     * @param confirmedInput the encoded ConfirmedTranscriptHashInput of the Commit
     */
    public static byte[] confirmed(CipherSuite suite, byte[] interimBefore, byte[] confirmedInput) {
        return suite.hash(concat(interimBefore, confirmedInput));
    }

    /**
     * {@code interim_transcript_hash_[epoch] = Hash(confirmed_transcript_hash_[epoch] ||
     * InterimTranscriptHashInput_[epoch])}.
     *
     * @param interimInput the encoded InterimTranscriptHashInput: the confirmation tag as
     *     {@code opaque<V>}, see {@link #interimInput(byte[])}
     */
    public static byte[] interim(CipherSuite suite, byte[] confirmed, byte[] interimInput) {
        return suite.hash(concat(confirmed, interimInput));
    }

    /** The encoding of {@code struct { MAC confirmation_tag; } InterimTranscriptHashInput}. */
    public static byte[] interimInput(byte[] confirmationTag) {
        return new TlsWriter(confirmationTag.length + 4).opaque(confirmationTag).toByteArray();
    }

    /** {@link #interim} of {@link #interimInput}: the interim hash from the bare confirmation tag. */
    public static byte[] interimFromTag(CipherSuite suite, byte[] confirmed, byte[] confirmationTag) {
        return interim(suite, confirmed, interimInput(confirmationTag));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
