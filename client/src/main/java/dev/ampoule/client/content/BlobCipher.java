package dev.ampoule.client.content;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption of a file or record as the relay stores it: a streaming AEAD in the manner of
 * the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption
 * and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015), with AES-256-GCM under a key used for
 * this one blob only ({@link ContentKey}):
 * <pre>
 * struct { uint8 version = 1; uint32 chunk_size; } BlobHeader;          // 5 bytes, then the chunks
 * chunk i = AES-256-GCM(key, nonce_i, aad, plaintext[i·chunk_size .. (i+1)·chunk_size))
 * nonce_i = 0x00{7} || uint32 i || uint8 last                           // 12 bytes
 * aad     = "ampoule blob v1" || BlobHeader
 * </pre>
 * Every chunk but the last holds {@code chunk_size} bytes of plaintext (plus the 16-byte tag); the
 * last holds 0 to {@code chunk_size} and is the only one sealed with {@code last} = 1, so a blob
 * cut at a chunk boundary, chunks reordered, dropped or repeated, or a blob extended all fail to
 * decrypt. Memory is one chunk, whatever the size. Each chunk released to the reader is authentic;
 * that the whole blob is there is known at its end ({@link Decryptor#finish}), and its SHA-256
 * (carried beside the key) is checked too.
 */
public final class BlobCipher {

    public static final int VERSION = 1;
    /** Plaintext bytes per chunk. */
    public static final int CHUNK = 64 << 10;
    public static final int TAG = 16;
    public static final int HEADER = 5;
    /** The largest chunk size a blob may declare (bounds the reader's memory). */
    static final int MAX_CHUNK = 1 << 20;
    private static final byte[] LABEL = "ampoule blob v1".getBytes(StandardCharsets.US_ASCII);

    private BlobCipher() {
    }

    /** The number of chunks of {@code plainSize} bytes (at least one: an empty blob has an empty last chunk). */
    public static long chunks(long plainSize) {
        return Math.max(1, (plainSize + CHUNK - 1) / CHUNK);
    }

    /** The size of the encrypted blob of {@code plainSize} bytes. */
    public static long encryptedSize(long plainSize) {
        return HEADER + plainSize + chunks(plainSize) * TAG;
    }

    static byte[] headerOf(int chunkSize) {
        return ByteBuffer.allocate(HEADER).put((byte) VERSION).putInt(chunkSize).array();
    }

    private static byte[] aad(byte[] header) {
        byte[] aad = new byte[LABEL.length + header.length];
        System.arraycopy(LABEL, 0, aad, 0, LABEL.length);
        System.arraycopy(header, 0, aad, LABEL.length, header.length);
        return aad;
    }

    static byte[] nonce(long index, boolean last) {
        return ByteBuffer.allocate(12).put(new byte[7]).putInt((int) index).put((byte) (last ? 1 : 0)).array();
    }

    private static Cipher gcm() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** SHA-256, for the digest of an encrypted blob. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Encrypts a blob chunk by chunk, in order. */
    public static final class Encryptor {
        private final SecretKeySpec key;
        private final Cipher cipher = gcm();
        private final byte[] header = headerOf(CHUNK);
        private final byte[] aad = aad(header);
        private final long chunks;
        private long next;

        /** For a blob of {@code plainSize} bytes; the key is copied for the cipher and stays the caller's. */
        public Encryptor(ContentKey key, long plainSize) {
            this.key = new SecretKeySpec(key.reveal(), "AES");
            this.chunks = chunks(plainSize);
        }

        /** The blob's first bytes. */
        public byte[] header() {
            return header.clone();
        }

        /** Whether the next chunk is the last. */
        public boolean nextIsLast() {
            return next == chunks - 1;
        }

        public boolean done() {
            return next == chunks;
        }

        /** Seals the next chunk ({@link #CHUNK} bytes of plaintext; fewer, or none, for the last). */
        public byte[] seal(byte[] plain, int off, int len) {
            boolean last = nextIsLast();
            if (done() || len > CHUNK || (!last && len != CHUNK)) {
                throw new IllegalStateException("chunk " + next + " of " + chunks + " with " + len + " bytes");
            }
            try {
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce(next, last)));
                cipher.updateAAD(aad);
                byte[] out = cipher.doFinal(plain, off, len);
                next++;
                return out;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed", e);
            }
        }
    }

    /** A blob that does not decrypt: tampered, truncated, extended, or not of this key. */
    public static final class IntegrityException extends Exception {
        private static final long serialVersionUID = 1L;

        public IntegrityException(String message) {
            super(message);
        }
    }

    /**
     * Decrypts a blob of a known size as its bytes arrive, writing each authentic chunk's plaintext
     * to the output; memory is one chunk. {@link #finish} says whether the whole blob was there.
     */
    public static final class Decryptor {
        private final SecretKeySpec key;
        private final Cipher cipher = gcm();
        private final long total;
        private final MessageDigest digest = sha256();
        private final byte[] header = new byte[HEADER];
        private byte[] aad;
        private byte[] buffer;
        private int filled;
        private long position;
        private long index;
        private long plainBytes;

        /** For an encrypted blob of {@code encryptedSize} bytes. */
        public Decryptor(ContentKey key, long encryptedSize) {
            this.key = new SecretKeySpec(key.reveal(), "AES");
            this.total = encryptedSize;
        }

        /** Takes the next bytes of the blob; writes the plaintext of each chunk they complete. */
        public void update(byte[] data, int off, int len, OutputStream out) throws IntegrityException, IOException {
            if (position + len > total) {
                throw new IntegrityException("more bytes than the blob's size");
            }
            digest.update(data, off, len);
            int i = off;
            int end = off + len;
            while (i < end) {
                if (position < HEADER) {
                    int n = (int) Math.min(HEADER - position, end - i);
                    System.arraycopy(data, i, header, (int) position, n);
                    position += n;
                    i += n;
                    if (position == HEADER) {
                        readHeader();
                    }
                    continue;
                }
                int n = Math.min(buffer.length - filled, end - i);
                System.arraycopy(data, i, buffer, filled, n);
                filled += n;
                position += n;
                i += n;
                if (filled == buffer.length && position < total) {
                    open(false, out); // a full chunk with more to come: not the last
                }
            }
        }

        private void readHeader() throws IntegrityException {
            ByteBuffer h = ByteBuffer.wrap(header);
            int version = h.get() & 0xFF;
            int chunk = h.getInt();
            if (version != VERSION || chunk < 1 || chunk > MAX_CHUNK) {
                throw new IntegrityException("not a blob of this format");
            }
            aad = aad(header);
            buffer = new byte[chunk + TAG];
        }

        private void open(boolean last, OutputStream out) throws IntegrityException, IOException {
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce(index, last)));
                cipher.updateAAD(aad);
                byte[] plain = cipher.doFinal(buffer, 0, filled);
                out.write(plain);
                plainBytes += plain.length;
                java.util.Arrays.fill(plain, (byte) 0);
            } catch (AEADBadTagException e) {
                throw new IntegrityException("chunk " + index + " does not decrypt" + (last ? " as the last one" : ""));
            } catch (GeneralSecurityException e) {
                throw new IntegrityException("chunk " + index + " does not decrypt: " + e.getClass().getSimpleName());
            }
            index++;
            filled = 0;
        }

        /**
         * The blob is complete: decrypts its last chunk and checks the SHA-256 of all its bytes.
         *
         * @return the plaintext size
         */
        public long finish(byte[] expectedDigest, OutputStream out) throws IntegrityException, IOException {
            if (position != total || buffer == null) {
                throw new IntegrityException("the blob is truncated: " + position + " of " + total + " bytes");
            }
            if (filled < TAG) {
                throw new IntegrityException("the blob has no last chunk");
            }
            open(true, out);
            if (!MessageDigest.isEqual(digest.digest(), expectedDigest)) {
                throw new IntegrityException("the blob's SHA-256 is not the one its sender gave");
            }
            return plainBytes;
        }
    }
}
