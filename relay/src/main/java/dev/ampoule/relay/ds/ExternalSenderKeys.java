package dev.ampoule.relay.ds;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The relay's identity as the MLS external sender of care-team groups (RFC 9420 §12.1.8.1): one
 * signature key pair per signature scheme of the supported cipher suites (Ed25519, P-256, Ed448,
 * P-521, P-384) and a {@code basic} credential whose identity, {@value #IDENTITY}, is not a device
 * identity (it has no {@code #}), so no member can ever present it as a leaf.
 *
 * <p>The keys live in {@code <dataDir>/external-sender/<scheme>.key} (the private key bytes of
 * {@link SignaturePrivateKey}: the EdDSA seed or the ECDSA scalar), in a directory and files only
 * the owner may read: loading refuses (an {@link UncheckedIOException} naming the path and its
 * mode) a directory or key file with any group or other permission bit, so the relay does not
 * start on keys others could have read or replaced. A missing key is generated and written atomically (temporary file, fsync,
 * atomic rename) when the keys are loaded, which happens once at start, off the event loop. A key
 * file that does not load is an error: regenerating it silently would orphan every group that
 * lists the old key. {@link #close()} zeroes the private keys. Keys never appear in logs or
 * exception messages.
 */
public final class ExternalSenderKeys implements AutoCloseable {

    /** The identity of the relay's credential in {@code external_senders}. */
    public static final String IDENTITY = "ampoule-relay";
    /** The directory under the relay's data directory. */
    public static final String DIR_NAME = "external-sender";

    private static final byte[] IDENTITY_BYTES = IDENTITY.getBytes(StandardCharsets.UTF_8);

    /** The signature schemes of RFC 9420 §17.1's suites, each with a suite that uses it. */
    enum Scheme {
        ED25519("ed25519", CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, 32),
        P256("p256", CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, 32),
        ED448("ed448", CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, 57),
        P521("p521", CipherSuiteId.MLS_256_DHKEMP521_AES256GCM_SHA512_P521, 66),
        P384("p384", CipherSuiteId.MLS_256_DHKEMP384_AES256GCM_SHA384_P384, 48);

        final String fileStem;
        final CipherSuiteId representative;
        /** The private key's length: the EdDSA seed, or the ECDSA scalar padded to the group order's size. */
        final int keyLength;

        Scheme(String fileStem, CipherSuiteId representative, int keyLength) {
            this.fileStem = fileStem;
            this.representative = representative;
            this.keyLength = keyLength;
        }

        static Scheme of(CipherSuiteId suite) {
            return switch (suite) {
                case MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
                        MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 -> ED25519;
                case MLS_128_DHKEMP256_AES128GCM_SHA256_P256 -> P256;
                case MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
                        MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 -> ED448;
                case MLS_256_DHKEMP521_AES256GCM_SHA512_P521 -> P521;
                case MLS_256_DHKEMP384_AES256GCM_SHA384_P384 -> P384;
            };
        }

        String fileName() {
            return fileStem + ".key";
        }
    }

    private final Map<Scheme, SignatureKeyPair> keys;

    private ExternalSenderKeys(Map<Scheme, SignatureKeyPair> keys) {
        this.keys = keys;
    }

    /** {@link #loadOrCreate} on a worker thread. */
    public static Future<ExternalSenderKeys> load(Vertx vertx, Path dir) {
        return vertx.executeBlocking(() -> loadOrCreate(dir), false);
    }

    /**
     * Loads the keys of {@code dir}, generating and writing the missing ones first. Blocking file
     * I/O.
     *
     * @throws UncheckedIOException when the directory or a key cannot be read or written, or a key
     *     file is damaged
     */
    public static ExternalSenderKeys loadOrCreate(Path dir) {
        Map<Scheme, SignatureKeyPair> keys = new EnumMap<>(Scheme.class);
        try {
            createPrivateDirectory(dir);
            requireOwnerOnly(dir);
            for (Scheme s : Scheme.values()) {
                keys.put(s, loadOrCreate(dir, s));
            }
        } catch (IOException e) {
            keys.values().forEach(k -> k.privateKey().destroy());
            throw new UncheckedIOException("cannot read or create the relay's external sender keys in " + dir + ": "
                    + e.getMessage(), e);
        }
        return new ExternalSenderKeys(keys);
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    /**
     * Refuses a directory or key file that the group or others may read, write or enter (any of
     * the {@code 077} mode bits), as ssh refuses a private key that is too open: whoever can read
     * the keys can sign external proposals in every care team as the relay.
     */
    private static void requireOwnerOnly(Path path) throws IOException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system
        }
        if (!Collections.disjoint(perms, NOT_OWNER)) {
            throw new IOException("permissions " + PosixFilePermissions.toString(perms) + " of " + path
                    + " are too open: the relay's signing keys must be accessible to their owner only (chmod "
                    + (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "700" : "600") + ")");
        }
    }

    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private static SignatureKeyPair loadOrCreate(Path dir, Scheme scheme) throws IOException {
        CipherSuite suite = BcCipherSuites.of(scheme.representative);
        Path file = dir.resolve(scheme.fileName());
        if (!Files.exists(file)) {
            SignatureKeyPair generated = suite.generateSignatureKeyPair();
            try {
                writeAtomically(dir, file, generated.privateKey().reveal());
            } catch (IOException | RuntimeException e) {
                generated.privateKey().destroy();
                throw e;
            }
            generated.privateKey().destroy();
        }
        requireOwnerOnly(file);
        SignaturePrivateKey key = new SignaturePrivateKey(Files.readAllBytes(file));
        try {
            if (key.length() != scheme.keyLength) {
                throw new IOException("the " + scheme.fileStem + " key file has the wrong length");
            }
            SignaturePublicKey pub = suite.signaturePublicKey(key);
            return new SignatureKeyPair(key, pub);
        } catch (IOException e) {
            key.destroy();
            throw e;
        } catch (RuntimeException e) {
            key.destroy();
            throw new IOException("the " + scheme.fileStem + " key file is damaged");
        }
    }

    private static void writeAtomically(Path dir, Path file, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            } catch (FileAlreadyExistsException e) {
                // another process wrote it first: keep that one
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Whether a credential is the relay's external sender credential. */
    public static boolean isRelayCredential(Credential credential) {
        return credential instanceof Credential.Basic b && Arrays.equals(b.identity(), IDENTITY_BYTES);
    }

    /** Whether a basic credential identity is the relay's. */
    static boolean isRelayIdentity(byte[] identity) {
        return Arrays.equals(identity, IDENTITY_BYTES);
    }

    private Optional<SignatureKeyPair> keyPair(int cipherSuite) {
        return CipherSuiteId.fromWire(cipherSuite).map(Scheme::of).map(keys::get);
    }

    /** The relay's {@code ExternalSender} for groups of the suite (wire value), if it is supported. */
    public Optional<ExternalSender> externalSender(int cipherSuite) {
        return keyPair(cipherSuite).map(k -> new ExternalSender(k.publicKey(), new Credential.Basic(IDENTITY_BYTES.clone())));
    }

    /** {@link #externalSender} encoded (RFC 9420 §12.1.8.1), for {@code ExternalSenderResult}. */
    public Optional<Bytes> encodedExternalSender(int cipherSuite) {
        return externalSender(cipherSuite).map(s -> Bytes.wrap(s.toBytes()));
    }

    /** The relay's position in a group's {@code external_senders}, if it is listed (with its key for the suite). */
    public OptionalInt indexIn(List<ExternalSender> senders, int cipherSuite) {
        Optional<ExternalSender> own = externalSender(cipherSuite);
        if (own.isPresent()) {
            for (int i = 0; i < senders.size(); i++) {
                if (senders.get(i).equals(own.get())) {
                    return OptionalInt.of(i);
                }
            }
        }
        return OptionalInt.empty();
    }

    /** The signing key for groups of the suite; lent, never to be kept or destroyed by the caller. */
    SignaturePrivateKey signingKey(int cipherSuite) {
        return keyPair(cipherSuite).orElseThrow(() -> new InternalException("no external sender key for suite " + cipherSuite))
                .privateKey();
    }

    /** Zeroes the private keys; the object is unusable afterwards. */
    @Override
    public void close() {
        keys.values().forEach(k -> k.privateKey().destroy());
    }

    @Override
    public String toString() {
        return "ExternalSenderKeys[" + keys.size() + " schemes]";
    }
}
