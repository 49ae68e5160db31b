package dev.ampoule.client.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the client's state at rest with AES-GCM under a key the app supplies (from the
 * platform keystore, derived from a passphrase, …), over any {@link StateStore}. Each blob is
 * <pre>
 * "AMPS" || version (1) || nonce (12 random bytes) || AES-GCM(key, nonce, plaintext, aad) with its 16-byte tag
 * </pre>
 * where {@code aad = "AMPS" || version || name}: a blob moved to another name does not decrypt.
 * A wrong key or a modified blob is an {@link IOException}.
 */
public final class EncryptedStateStore {

    private static final byte[] MAGIC = {'A', 'M', 'P', 'S'};
    private static final int VERSION = 1;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final StateStore store;
    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param key an AES key of 16, 24 or 32 bytes
     */
    public EncryptedStateStore(StateStore store, byte[] key) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("the state key must be an AES key of 16, 24 or 32 bytes");
        }
        this.store = store;
        this.key = new SecretKeySpec(key, "AES");
    }

    public StateStore store() {
        return store;
    }

    private static byte[] aad(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + n.length);
        b.put(MAGIC).put((byte) VERSION).put(n);
        return b.array();
    }

    /** Encrypts {@code plaintext} and writes it under {@code name}. */
    public void save(String name, byte[] plaintext) throws IOException {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(name));
            sealed = c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt the state", e);
        }
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 1 + NONCE + sealed.length);
        out.put(MAGIC).put((byte) VERSION).put(nonce).put(sealed);
        store.write(name, out.array());
    }

    /** Reads and decrypts the blob under {@code name}; the caller should zero the result when done. */
    public Optional<byte[]> load(String name) throws IOException {
        Optional<byte[]> raw = store.read(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        byte[] b = raw.get();
        int header = MAGIC.length + 1 + NONCE;
        if (b.length < header + TAG_BITS / 8 || !Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || b[MAGIC.length] != VERSION) {
            throw new IOException("state '" + name + "' is not an encrypted Ampoule state");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, b, MAGIC.length + 1, NONCE));
            c.updateAAD(aad(name));
            return Optional.of(c.doFinal(b, header, b.length - header));
        } catch (AEADBadTagException e) {
            throw new IOException("state '" + name + "' does not decrypt: wrong key or modified data", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot decrypt the state", e);
        }
    }

    public void delete(String name) throws IOException {
        store.delete(name);
    }

    public List<String> names() throws IOException {
        return store.list();
    }
}
