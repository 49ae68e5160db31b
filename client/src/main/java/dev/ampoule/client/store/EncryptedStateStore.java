package dev.ampoule.client.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the client's state at rest with AES-GCM under a key the app supplies (from the
 * platform keystore, derived from a passphrase, …), over any {@link StateStore}, and refuses a
 * blob rolled back to an older copy. Each blob is
 * <pre>
 * "AMPS" || format (2) || version (uint64) || nonce (12 random bytes) || AES-GCM(key, nonce, plaintext, aad)
 * aad = "AMPS" || format || version || name
 * </pre>
 * A wrong key or a modified blob is an {@link IOException}; so is a blob moved to another name (the
 * name is in the associated data) or given another version (so is the version).
 *
 * <p><b>Rollback.</b> Every write of a name gets the next version, and a separate small blob, the
 * state index ({@value #INDEX_NAME}, sealed the same way), records each name's latest version; it is
 * written after the blob. Reading a blob older than the index records is refused ("rolled back"),
 * as is a blob the index knows but that is gone, or one the index says was deleted unless it is
 * newer. A blob exactly one version ahead of the index is what a crash between the two writes
 * leaves: it is accepted and the index catches up. This covers an attacker with access to the disk
 * (not to the key) who puts back an older copy of one blob — say a group's state with ratchet
 * secrets already used, to make the device reuse them — or of several blobs. It does <em>not</em>
 * cover putting back the whole state (the index and the blobs) as copied at one earlier moment, nor
 * an older index together with the blob written just after it (the crash window): no file in the
 * same place can tell a consistent old copy from the present. Protecting against that needs a
 * counter outside the directory (a hardware monotonic counter, or a server), which this store does
 * not have. Deleting the index makes the store refuse to open, rather than start again.
 *
 * <p>Blobs of format 1 (without a version, from earlier SDKs) are read once: when a store has no
 * index yet and holds only such blobs, the index is created with them at version 0, and each is
 * written in format 2 at its next save; from then on an old format-1 copy is refused.
 */
public final class EncryptedStateStore {

    /** The reserved name of the state index; not a name the client may use. */
    public static final String INDEX_NAME = "_index";

    private static final byte[] MAGIC = {'A', 'M', 'P', 'S'};
    private static final int LEGACY_FORMAT = 1;
    private static final int FORMAT = 2;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final int LEGACY_HEADER = MAGIC.length + 1 + NONCE;
    private static final int HEADER = MAGIC.length + 1 + 8 + NONCE;

    private final StateStore store;
    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();
    private StateIndex index;
    private long indexVersion;

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

    /** Encrypts {@code plaintext} and writes it under {@code name}, as its next version. */
    public synchronized void save(String name, byte[] plaintext) throws IOException {
        checkName(name);
        StateIndex idx = index();
        long version = idx.version(name) + 1;
        store.write(name, seal(name, version, plaintext));
        idx.record(name, version);
        writeIndex();
    }

    /**
     * Reads and decrypts the blob under {@code name}; the caller should zero the result when done.
     * Empty if there is none (or it was deleted).
     *
     * @throws IOException when it does not decrypt, or is older than the index records (rolled
     *     back), or the index records it but it is gone
     */
    public synchronized Optional<byte[]> load(String name) throws IOException {
        checkName(name);
        StateIndex idx = index();
        Optional<StateIndex.Entry> entry = idx.get(name);
        Optional<byte[]> raw = store.read(name);
        if (raw.isEmpty()) {
            if (entry.isPresent() && entry.get().live()) {
                throw new IOException("state '" + name + "' is missing: the state index records version "
                        + entry.get().version());
            }
            return Optional.empty();
        }
        byte[] b = raw.get();
        if (format(name, b) == LEGACY_FORMAT) {
            if (entry.isEmpty() || !entry.get().live() || entry.get().version() != 0) {
                throw new IOException("state '" + name + "' is an old copy (format 1) of a newer state: rolled back");
            }
            return Optional.of(open(name, b, MAGIC.length + 1, legacyAad(name)));
        }
        long version = ByteBuffer.wrap(b, MAGIC.length + 1, 8).getLong();
        long recorded = idx.version(name);
        boolean live = entry.isEmpty() || entry.get().live();
        boolean current = live && entry.isPresent() && version == recorded && recorded > 0;
        boolean crashWindow = version == recorded + 1; // written, but the index was not updated yet
        if (!current && !crashWindow) {
            if (!live && version <= recorded) {
                return Optional.empty(); // an old copy of a deleted blob
            }
            throw new IOException("state '" + name + "' has version " + version + " but the state index records "
                    + recorded + ": " + (version < recorded ? "rolled back to an older copy" : "the index is older"));
        }
        byte[] plain = open(name, b, MAGIC.length + 1 + 8, aad(name, version));
        if (crashWindow) {
            idx.record(name, version);
            writeIndex();
        }
        return Optional.of(plain);
    }

    /** Deletes the blob under {@code name}; the index keeps its version, so an old copy is not taken back. */
    public synchronized void delete(String name) throws IOException {
        checkName(name);
        StateIndex idx = index();
        if (idx.get(name).isPresent()) {
            idx.tombstone(name);
            writeIndex();
        }
        store.delete(name);
    }

    /**
     * The names of the stored blobs (never the index): those the index records, and those a crash
     * left ahead of it. {@link #load} of each gives its state or an {@link IOException}.
     */
    public synchronized List<String> names() throws IOException {
        StateIndex idx = index();
        TreeSet<String> out = new TreeSet<>(idx.live());
        for (String name : store.list()) {
            if (name.equals(INDEX_NAME) || out.contains(name)) {
                continue;
            }
            Optional<StateIndex.Entry> entry = idx.get(name);
            if (entry.isEmpty()) {
                out.add(name); // unknown: load() accepts it only as a first write a crash left unrecorded
            } else {
                // deleted: listed only if written again after the deletion (a crash before the index caught up)
                Optional<byte[]> raw = store.read(name);
                if (raw.isPresent() && raw.get().length >= HEADER && format(name, raw.get()) == FORMAT
                        && ByteBuffer.wrap(raw.get(), MAGIC.length + 1, 8).getLong() == entry.get().version() + 1) {
                    out.add(name);
                }
            }
        }
        return new ArrayList<>(out);
    }

    // ---- the index -------------------------------------------------------------------------------

    private StateIndex index() throws IOException {
        if (index != null) {
            return index;
        }
        Optional<byte[]> raw = store.read(INDEX_NAME);
        if (raw.isPresent()) {
            byte[] b = raw.get();
            if (format(INDEX_NAME, b) != FORMAT) {
                throw new IOException("the state index is not an encrypted Ampoule state index");
            }
            long version = ByteBuffer.wrap(b, MAGIC.length + 1, 8).getLong();
            byte[] plain = open(INDEX_NAME, b, MAGIC.length + 1 + 8, aad(INDEX_NAME, version));
            index = StateIndex.decode(plain);
            indexVersion = version;
            return index;
        }
        // no index: a new store, or one written before versions existed (format 1 only)
        StateIndex created = new StateIndex();
        for (String name : store.list()) {
            if (name.equals(INDEX_NAME)) {
                continue;
            }
            Optional<byte[]> blob = store.read(name);
            if (blob.isEmpty()) {
                continue;
            }
            if (format(name, blob.get()) != LEGACY_FORMAT) {
                throw new IOException("the state index is missing while state '" + name
                        + "' needs one: the state was tampered with or partly restored");
            }
            created.record(name, 0);
        }
        index = created;
        indexVersion = 0;
        writeIndex(); // before any blob of format 2 exists
        return index;
    }

    private void writeIndex() throws IOException {
        long next = indexVersion + 1;
        store.write(INDEX_NAME, seal(INDEX_NAME, next, index.encode()));
        indexVersion = next;
    }

    // ---- sealing ---------------------------------------------------------------------------------

    private static void checkName(String name) {
        if (INDEX_NAME.equals(name)) {
            throw new IllegalArgumentException("'" + INDEX_NAME + "' is reserved for the state index");
        }
    }

    private static byte[] aad(String name, long version) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(MAGIC.length + 1 + 8 + n.length).put(MAGIC).put((byte) FORMAT).putLong(version)
                .put(n).array();
    }

    private static byte[] legacyAad(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(MAGIC.length + 1 + n.length).put(MAGIC).put((byte) LEGACY_FORMAT).put(n).array();
    }

    private byte[] seal(String name, long version, byte[] plaintext) throws IOException {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(name, version));
            sealed = c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt the state", e);
        }
        return ByteBuffer.allocate(HEADER + sealed.length).put(MAGIC).put((byte) FORMAT).putLong(version).put(nonce)
                .put(sealed).array();
    }

    /** The blob's format (1 or 2) after checking its magic and length. */
    private static int format(String name, byte[] b) throws IOException {
        if (b.length < LEGACY_HEADER + TAG_BITS / 8 || !Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || (b[MAGIC.length] != LEGACY_FORMAT && b[MAGIC.length] != FORMAT)
                || (b[MAGIC.length] == FORMAT && b.length < HEADER + TAG_BITS / 8)) {
            throw new IOException("state '" + name + "' is not an encrypted Ampoule state");
        }
        return b[MAGIC.length];
    }

    /** Decrypts the blob {@code b} whose nonce starts at {@code nonceOffset}, the ciphertext right after it. */
    private byte[] open(String name, byte[] b, int nonceOffset, byte[] aad) throws IOException {
        int header = nonceOffset + NONCE;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, b, nonceOffset, NONCE));
            c.updateAAD(aad);
            return c.doFinal(b, header, b.length - header);
        } catch (AEADBadTagException e) {
            throw new IOException("state '" + name + "' does not decrypt: wrong key or modified data", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot decrypt the state", e);
        }
    }
}
