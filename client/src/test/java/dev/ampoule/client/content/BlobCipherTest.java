package dev.ampoule.client.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming encryption of blobs: any size round-trips whatever the slicing of the bytes as
 * they arrive; every tampering — a flipped bit anywhere, a truncation (mid-chunk or at a chunk
 * boundary), chunks swapped, dropped or repeated, bytes appended, another key, another digest —
 * is refused; and nothing but authentic chunks is ever released.
 */
class BlobCipherTest {

    static final int C = BlobCipher.CHUNK;

    static byte[] plain(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] encrypt(ContentKey key, byte[] plain) {
        BlobCipher.Encryptor enc = new BlobCipher.Encryptor(key, plain.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(enc.header());
        int off = 0;
        while (!enc.done()) {
            int n = Math.min(C, plain.length - off);
            out.writeBytes(enc.seal(plain, off, n));
            off += n;
        }
        return out.toByteArray();
    }

    static byte[] sha(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    /** Decrypts {@code blob}, fed in pieces of {@code step} bytes. */
    static byte[] decrypt(ContentKey key, byte[] blob, byte[] digest, int step) throws Exception {
        BlobCipher.Decryptor dec = new BlobCipher.Decryptor(key, blob.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int off = 0; off < blob.length; off += step) {
            dec.update(blob, off, Math.min(step, blob.length - off), out);
        }
        assertEquals(out.size() + lastPlain(blob), dec.finish(digest, out));
        return out.toByteArray();
    }

    private static long lastPlain(byte[] blob) {
        long body = blob.length - BlobCipher.HEADER;
        long whole = body / (C + BlobCipher.TAG);
        long rest = body - whole * (C + BlobCipher.TAG);
        return rest == 0 ? C : rest - BlobCipher.TAG;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 100, C - 1, C, C + 1, 3 * C, 3 * C + 17})
    void roundTripsInAnySlicing(int size) throws Exception {
        ContentKey key = ContentKey.random();
        byte[] p = plain(size, size);
        byte[] blob = encrypt(key, p);
        assertEquals(BlobCipher.encryptedSize(size), blob.length);
        for (int step : new int[] {1 << 20, C + BlobCipher.TAG, 4_096, 7}) {
            if (step < 100 && size > C) {
                continue; // byte-by-byte feeding of large blobs adds nothing but time
            }
            assertArrayEquals(p, decrypt(key, blob, sha(blob), step), "size " + size + ", step " + step);
        }
    }

    @Test
    void aFreshKeyEncryptsTheSameFileDifferently() {
        byte[] p = plain(1_000, 1);
        assertTrue(!Arrays.equals(encrypt(ContentKey.random(), p), encrypt(ContentKey.random(), p)));
    }

    @Test
    void everyFlippedBitIsRefused() throws Exception {
        ContentKey key = ContentKey.random();
        byte[] blob = encrypt(key, plain(2 * C + 500, 2));
        // the header, the first chunk's body and tag, the second's, the last's
        int[] places = {0, 3, BlobCipher.HEADER, BlobCipher.HEADER + C + 3, BlobCipher.HEADER + C + BlobCipher.TAG + 9,
                blob.length - 600, blob.length - 1};
        for (int at : places) {
            byte[] bad = blob.clone();
            bad[at] ^= 0x01;
            // with the digest of the altered bytes: the AEAD alone must catch it
            assertThrows(BlobCipher.IntegrityException.class, () -> decrypt(key, bad, sha(bad), 4_096), "byte " + at);
        }
    }

    @Test
    void truncationsReorderingsAndExtensionsAreRefused() throws Exception {
        ContentKey key = ContentKey.random();
        byte[] blob = encrypt(key, plain(3 * C + 100, 3));
        int chunk = C + BlobCipher.TAG;
        int h = BlobCipher.HEADER;
        byte[][] forged = {
            Arrays.copyOf(blob, blob.length - 1), // mid last chunk
            Arrays.copyOf(blob, h + 3 * chunk), // at a chunk boundary: the last chunk dropped
            Arrays.copyOf(blob, h + chunk), // after the first chunk
            Arrays.copyOf(blob, h), // the header only
            concat(Arrays.copyOf(blob, h), Arrays.copyOfRange(blob, h + chunk, h + 2 * chunk),
                    Arrays.copyOfRange(blob, h, h + chunk), Arrays.copyOfRange(blob, h + 2 * chunk, blob.length)), // swapped
            concat(Arrays.copyOf(blob, h + chunk), Arrays.copyOfRange(blob, h, blob.length)), // first chunk repeated
            concat(blob, new byte[] {0}), // extended
        };
        for (byte[] bad : forged) {
            assertThrows(BlobCipher.IntegrityException.class, () -> decrypt(key, bad, sha(bad), 8_192),
                    "a forged blob of " + bad.length + " bytes");
        }
    }

    @Test
    void anotherKeyOrAnotherDigestIsRefused() throws Exception {
        ContentKey key = ContentKey.random();
        byte[] blob = encrypt(key, plain(500, 4));
        assertThrows(BlobCipher.IntegrityException.class, () -> decrypt(ContentKey.random(), blob, sha(blob), 100));
        byte[] wrong = sha(blob);
        wrong[0] ^= 1;
        assertThrows(BlobCipher.IntegrityException.class, () -> decrypt(key, blob, wrong, 100));
    }

    @Test
    void moreBytesThanTheSizeAreRefusedAtOnceAndOnlyAuthenticChunksAreReleased() throws Exception {
        ContentKey key = ContentKey.random();
        byte[] p = plain(2 * C + 10, 5);
        byte[] blob = encrypt(key, p);
        BlobCipher.Decryptor short_ = new BlobCipher.Decryptor(key, blob.length - 1);
        assertThrows(BlobCipher.IntegrityException.class,
                () -> short_.update(blob, 0, blob.length, new ByteArrayOutputStream()));
        // the second chunk tampered: the first is released, nothing of the second
        byte[] bad = blob.clone();
        bad[BlobCipher.HEADER + C + BlobCipher.TAG + 5] ^= 1;
        BlobCipher.Decryptor dec = new BlobCipher.Decryptor(key, bad.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(BlobCipher.IntegrityException.class, () -> dec.update(bad, 0, bad.length, out));
        assertArrayEquals(Arrays.copyOf(p, C), out.toByteArray());
    }

    @Test
    void theKeyNeverPrints() {
        ContentKey key = new ContentKey(new byte[32]);
        assertTrue(key.toString().contains("redacted"));
        assertThrows(IllegalArgumentException.class, () -> new ContentKey(new byte[16]));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
