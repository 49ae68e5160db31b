package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.security.auth.Destroyable;

/**
 * The secrets derived from one epoch's {@code epoch_secret} (RFC 9420 §8, Table 4):
 * <pre>
 * | Label            | Secret              |
 * | "sender data"    | sender_data_secret  |
 * | "encryption"     | encryption_secret   |
 * | "exporter"       | exporter_secret     |
 * | "external"       | external_secret     |
 * | "confirm"        | confirmation_key    |
 * | "membership"     | membership_key      |
 * | "resumption"     | resumption_psk      |
 * | "authentication" | epoch_authenticator |
 * </pre>
 * each {@code DeriveSecret(epoch_secret, Label)}, plus the next epoch's
 * {@code init_secret = DeriveSecret(epoch_secret, "init")}.
 *
 * <p>This object owns every secret it hands out: accessors lend them, {@link #destroy()} zeroes them
 * all (and the external private key, if it was derived). The {@code encryption_secret} is meant to
 * be moved into the epoch's {@link SecretTree} with {@link #newSecretTree}, which destroys it here
 * (RFC 9420 §9.2). Thread-safe.
 */
public final class EpochSecrets implements Destroyable, AutoCloseable {

    private final CipherSuite suite;
    private final SenderDataSecret senderDataSecret;
    private final EncryptionSecret encryptionSecret;
    private final ExporterSecret exporterSecret;
    private final ExternalSecret externalSecret;
    private final ConfirmationKey confirmationKey;
    private final MembershipKey membershipKey;
    private final ResumptionPsk resumptionPsk;
    private final EpochAuthenticator epochAuthenticator;
    private final InitSecret initSecret;
    private HpkeKeyPair externalKeyPair;
    private volatile boolean destroyed;

    private EpochSecrets(CipherSuite suite, byte[] epoch) {
        this.suite = suite;
        this.senderDataSecret = new SenderDataSecret(suite.deriveSecret(epoch, "sender data"));
        this.encryptionSecret = new EncryptionSecret(suite.deriveSecret(epoch, "encryption"));
        this.exporterSecret = new ExporterSecret(suite.deriveSecret(epoch, "exporter"));
        this.externalSecret = new ExternalSecret(suite.deriveSecret(epoch, "external"));
        this.confirmationKey = new ConfirmationKey(suite.deriveSecret(epoch, "confirm"));
        this.membershipKey = new MembershipKey(suite.deriveSecret(epoch, "membership"));
        this.resumptionPsk = new ResumptionPsk(suite.deriveSecret(epoch, "resumption"));
        this.epochAuthenticator = new EpochAuthenticator(suite.deriveSecret(epoch, "authentication"));
        this.initSecret = new InitSecret(suite.deriveSecret(epoch, "init"));
    }

    /** Takes ownership of already derived secrets (restoring a saved state). */
    private EpochSecrets(CipherSuite suite, SenderDataSecret senderData, EncryptionSecret encryption,
            ExporterSecret exporter, ExternalSecret external, ConfirmationKey confirmation, MembershipKey membership,
            ResumptionPsk resumption, EpochAuthenticator authenticator, InitSecret init) {
        this.suite = suite;
        this.senderDataSecret = senderData;
        this.encryptionSecret = encryption;
        this.exporterSecret = exporter;
        this.externalSecret = external;
        this.confirmationKey = confirmation;
        this.membershipKey = membership;
        this.resumptionPsk = resumption;
        this.epochAuthenticator = authenticator;
        this.initSecret = init;
    }

    /**
     * Derives every secret of the epoch from {@code epochSecret}, which is then destroyed: it has
     * been consumed (RFC 9420 §9.2). A group's creator starts here with a fresh random epoch secret
     * of {@code KDF.Nh} bytes (§11).
     */
    public static EpochSecrets fromEpochSecret(CipherSuite suite, EpochSecret epochSecret) {
        try {
            return new EpochSecrets(suite, epochSecret.reveal());
        } finally {
            epochSecret.destroy();
        }
    }

    public CipherSuite suite() {
        return suite;
    }

    public SenderDataSecret senderDataSecret() {
        return senderDataSecret;
    }

    /** Destroyed once {@link #newSecretTree} has moved it into the secret tree. */
    public EncryptionSecret encryptionSecret() {
        return encryptionSecret;
    }

    public ExporterSecret exporterSecret() {
        return exporterSecret;
    }

    public ExternalSecret externalSecret() {
        return externalSecret;
    }

    public ConfirmationKey confirmationKey() {
        return confirmationKey;
    }

    public MembershipKey membershipKey() {
        return membershipKey;
    }

    public ResumptionPsk resumptionPsk() {
        return resumptionPsk;
    }

    public EpochAuthenticator epochAuthenticator() {
        return epochAuthenticator;
    }

    /** The {@code init_secret} for the next epoch's key schedule. */
    public InitSecret initSecret() {
        return initSecret;
    }

    /**
     * {@code MLS-Exporter(Label, Context, Length) = ExpandWithLabel(DeriveSecret(exporter_secret,
     * Label), "exported", Hash(Context), Length)} (RFC 9420 §8.5). The label is used as raw bytes
     * after the "MLS 1.0 " prefix.
     */
    public byte[] exporter(byte[] label, byte[] context, int length) {
        byte[] derived = Kdf.expandWithLabel(suite, exporterSecret.reveal(), label, Kdf.EMPTY, suite.hashLength());
        try {
            return suite.expandWithLabel(derived, "exported", suite.hash(context), length);
        } finally {
            Kdf.zero(derived);
        }
    }

    /** {@link #exporter(byte[], byte[], int)} with a text label, encoded as UTF-8. */
    public byte[] exporter(String label, byte[] context, int length) {
        return exporter(label.getBytes(StandardCharsets.UTF_8), context, length);
    }

    /**
     * {@code confirmation_tag = MAC(confirmation_key, GroupContext.confirmed_transcript_hash)}
     * (RFC 9420 §6.1), with this epoch's confirmed transcript hash.
     */
    public byte[] confirmationTag(byte[] confirmedTranscriptHash) {
        return suite.mac(confirmationKey.reveal(), confirmedTranscriptHash);
    }

    /**
     * Checks a received confirmation tag in constant time (RFC 9420 §12.4.2, §12.4.3.1).
     *
     * @throws ValidationException with {@link ScheduleRule#CONFIRMATION_TAG_MISMATCH}
     */
    public void verifyConfirmationTag(byte[] confirmedTranscriptHash, byte[] confirmationTag) {
        if (!MessageDigest.isEqual(confirmationTag(confirmedTranscriptHash), confirmationTag)) {
            throw new ValidationException(ScheduleRule.CONFIRMATION_TAG_MISMATCH);
        }
    }

    /**
     * {@code membership_tag = MAC(membership_key, AuthenticatedContentTBM)} (RFC 9420 §6.2); the
     * caller passes the encoded AuthenticatedContentTBM.
     */
    public byte[] membershipTag(byte[] authenticatedContentTbm) {
        return suite.mac(membershipKey.reveal(), authenticatedContentTbm);
    }

    /**
     * {@code external_priv, external_pub = KEM.DeriveKeyPair(external_secret)} (RFC 9420 §8),
     * derived on first use and then kept; destroyed with this object.
     */
    public synchronized HpkeKeyPair externalKeyPair() {
        if (externalKeyPair == null) {
            externalKeyPair = suite.deriveHpkeKeyPair(externalSecret.reveal());
        }
        return externalKeyPair;
    }

    /** {@code external_pub}, for the GroupInfo's external_pub extension (RFC 9420 §12.4.3.2). */
    public HpkePublicKey externalPub() {
        return externalKeyPair().publicKey();
    }

    /** {@link KeySchedule#senderDataKeyAndNonce} with this epoch's {@code sender_data_secret}. */
    public KeyAndNonce senderDataKeyAndNonce(byte[] ciphertext) {
        return KeySchedule.senderDataKeyAndNonce(suite, senderDataSecret, ciphertext);
    }

    /**
     * The epoch's secret tree over {@code leafCount} leaves, rooted at {@code encryption_secret},
     * which moves into the tree: it is destroyed here, and a second call fails.
     */
    public SecretTree newSecretTree(int leafCount, RatchetWindow window) {
        return SecretTree.create(suite, encryptionSecret, leafCount, window);
    }

    /**
     * Writes every secret of the epoch, for a saved group state that the application encrypts at
     * rest. The {@code encryption_secret} is written only while it has not been moved into a
     * secret tree. The caller must wipe {@code w} when done.
     */
    public synchronized void encodeState(TlsWriter w) {
        w.opaque(senderDataSecret.reveal()).opaque(exporterSecret.reveal()).opaque(externalSecret.reveal())
                .opaque(confirmationKey.reveal()).opaque(membershipKey.reveal()).opaque(resumptionPsk.reveal())
                .opaque(epochAuthenticator.reveal()).opaque(initSecret.reveal());
        w.bool(!encryptionSecret.isDestroyed());
        if (!encryptionSecret.isDestroyed()) {
            w.opaque(encryptionSecret.reveal());
        }
    }

    /**
     * Reads what {@link #encodeState} wrote. When the encryption secret was not saved (it had been
     * moved into the secret tree), the restored one is already destroyed.
     */
    public static EpochSecrets decodeState(CipherSuite suite, TlsReader r) {
        int nh = suite.hashLength();
        SenderDataSecret senderData = new SenderDataSecret(secret(r, nh));
        ExporterSecret exporter = new ExporterSecret(secret(r, nh));
        ExternalSecret external = new ExternalSecret(secret(r, nh));
        ConfirmationKey confirmation = new ConfirmationKey(secret(r, nh));
        MembershipKey membership = new MembershipKey(secret(r, nh));
        ResumptionPsk resumption = new ResumptionPsk(secret(r, nh));
        EpochAuthenticator authenticator = new EpochAuthenticator(secret(r, nh));
        InitSecret init = new InitSecret(secret(r, nh));
        EncryptionSecret encryption;
        if (r.bool()) {
            encryption = new EncryptionSecret(secret(r, nh));
        } else {
            encryption = new EncryptionSecret(new byte[0]);
            encryption.destroy();
        }
        return new EpochSecrets(suite, senderData, encryption, exporter, external, confirmation, membership,
                resumption, authenticator, init);
    }

    /** {@code opaque secret<V>} of exactly {@code length} bytes. */
    static byte[] secret(TlsReader r, int length) {
        byte[] s = r.opaque();
        if (s.length != length) {
            throw new dev.ampoule.mls.error.DecodeException("secret of " + s.length + " bytes, expected " + length);
        }
        return s;
    }

    @Override
    public synchronized void destroy() {
        destroyed = true;
        senderDataSecret.destroy();
        encryptionSecret.destroy();
        exporterSecret.destroy();
        externalSecret.destroy();
        confirmationKey.destroy();
        membershipKey.destroy();
        resumptionPsk.destroy();
        epochAuthenticator.destroy();
        initSecret.destroy();
        if (externalKeyPair != null) {
            externalKeyPair.privateKey().destroy();
        }
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return "EpochSecrets[" + suite + (destroyed ? ", destroyed" : "") + "]";
    }
}
