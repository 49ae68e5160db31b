package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.KeyPackageRef;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.Lifetime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A KeyPackage (RFC 9420 §10) with the private keys behind it: the init key pair that opens the
 * Welcome, the encryption key pair of its leaf, and the signature key pair. The application
 * publishes {@link #keyPackage()} and keeps the bundle until the Welcome arrives; {@link #destroy()}
 * then zeroes the init key (a last-resort bundle may be kept for several joins).
 */
public final class KeyPackageBundle {

    private final CipherSuite suite;
    private final KeyPackage keyPackage;
    private final HpkeKeyPair initKeyPair;
    private final HpkeKeyPair encryptionKeyPair;
    private final SignatureKeyPair signatureKeyPair;

    private KeyPackageBundle(CipherSuite suite, KeyPackage keyPackage, HpkeKeyPair initKeyPair,
            HpkeKeyPair encryptionKeyPair, SignatureKeyPair signatureKeyPair) {
        this.suite = suite;
        this.keyPackage = keyPackage;
        this.initKeyPair = initKeyPair;
        this.encryptionKeyPair = encryptionKeyPair;
        this.signatureKeyPair = signatureKeyPair;
    }

    /**
     * A bundle from existing parts, for instance a KeyPackage restored from storage. Checks that
     * each private key belongs to the KeyPackage's public key and that the KeyPackage is valid for
     * {@code suite}.
     *
     * @throws ValidationException with {@link GroupRule#KEY_PAIR_MISMATCH} or a
     *     {@link dev.ampoule.mls.message.MessageRule}
     */
    public static KeyPackageBundle of(CipherSuite suite, KeyPackage keyPackage, HpkeKeyPair initKeyPair,
            HpkeKeyPair encryptionKeyPair, SignatureKeyPair signatureKeyPair) {
        keyPackage.validate(suite);
        LeafNode leaf = keyPackage.leafNode();
        if (!keyPackage.initKey().equals(initKeyPair.publicKey())
                || !suite.hpkePublicKey(initKeyPair.privateKey()).equals(keyPackage.initKey())) {
            throw new ValidationException(GroupRule.KEY_PAIR_MISMATCH, "init key");
        }
        if (!leaf.encryptionKey().equals(encryptionKeyPair.publicKey())
                || !suite.hpkePublicKey(encryptionKeyPair.privateKey()).equals(leaf.encryptionKey())) {
            throw new ValidationException(GroupRule.KEY_PAIR_MISMATCH, "encryption key");
        }
        if (!leaf.signatureKey().equals(signatureKeyPair.publicKey())
                || !suite.signaturePublicKey(signatureKeyPair.privateKey()).equals(leaf.signatureKey())) {
            throw new ValidationException(GroupRule.KEY_PAIR_MISMATCH, "signature key");
        }
        return new KeyPackageBundle(suite, keyPackage, initKeyPair, encryptionKeyPair, signatureKeyPair);
    }

    /** A builder of a fresh KeyPackage for {@code credential}, signed with {@code signatureKeyPair}. */
    public static Builder builder(CipherSuite suite, Credential credential, SignatureKeyPair signatureKeyPair) {
        return new Builder(suite, credential, signatureKeyPair);
    }

    public CipherSuite suite() {
        return suite;
    }

    public KeyPackage keyPackage() {
        return keyPackage;
    }

    /** {@code RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)}, as Welcome entries name it. */
    public KeyPackageRef ref() {
        return keyPackage.ref(suite);
    }

    public HpkeKeyPair initKeyPair() {
        return initKeyPair;
    }

    public HpkeKeyPair encryptionKeyPair() {
        return encryptionKeyPair;
    }

    public SignatureKeyPair signatureKeyPair() {
        return signatureKeyPair;
    }

    /** Whether the KeyPackage carries the last_resort extension (it may be used more than once). */
    public boolean isLastResort() {
        return Extension.find(keyPackage.extensions(), ExtensionType.LAST_RESORT).isPresent();
    }

    /**
     * Zeroes the init private key, once the Welcome was processed (RFC 9420 §16.8). The encryption
     * and signature keys now belong to the group that was joined.
     */
    public void destroy() {
        initKeyPair.privateKey().destroy();
    }

    @Override
    public String toString() {
        return "KeyPackageBundle[" + keyPackage + "]";
    }

    /** Builder of a {@link KeyPackageBundle}: the defaults suit most clients. */
    public static final class Builder {
        private final CipherSuite suite;
        private final Credential credential;
        private final SignatureKeyPair signatureKeyPair;
        private Duration lifetime = Duration.ofDays(90);
        private Clock clock = Clock.systemUTC();
        private Capabilities capabilities = GroupConfig.DEFAULT_CAPABILITIES;
        private List<Extension> keyPackageExtensions = List.of();
        private List<Extension> leafExtensions = List.of();
        private boolean lastResort;

        private Builder(CipherSuite suite, Credential credential, SignatureKeyPair signatureKeyPair) {
            this.suite = Objects.requireNonNull(suite);
            this.credential = Objects.requireNonNull(credential);
            this.signatureKeyPair = Objects.requireNonNull(signatureKeyPair);
        }

        /** How long the KeyPackage is valid from now (default 90 days); it starts an hour back. */
        public Builder lifetime(Duration lifetime) {
            this.lifetime = Objects.requireNonNull(lifetime);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * The leaf's capabilities (default {@link GroupConfig#DEFAULT_CAPABILITIES}); the types of
         * the extensions given here and the credential type are added when missing.
         */
        public Builder capabilities(Capabilities capabilities) {
            this.capabilities = Objects.requireNonNull(capabilities);
            return this;
        }

        public Builder keyPackageExtensions(List<Extension> extensions) {
            this.keyPackageExtensions = List.copyOf(extensions);
            return this;
        }

        public Builder leafExtensions(List<Extension> extensions) {
            this.leafExtensions = List.copyOf(extensions);
            return this;
        }

        /** Marks the KeyPackage last resort (extension last_resort, empty payload, RFC 9420 §16.8). */
        public Builder lastResort(boolean lastResort) {
            this.lastResort = lastResort;
            return this;
        }

        public KeyPackageBundle build() {
            List<Extension> kpExtensions = new ArrayList<>(keyPackageExtensions);
            if (lastResort && Extension.find(kpExtensions, ExtensionType.LAST_RESORT).isEmpty()) {
                kpExtensions.add(new Extension(ExtensionType.LAST_RESORT, new byte[0]));
            }
            if (!Extension.typesAreUnique(kpExtensions) || !Extension.typesAreUnique(leafExtensions)) {
                throw new InternalException("duplicate extension types");
            }
            Capabilities caps = completed(capabilities, credential.type(), kpExtensions, leafExtensions);
            long now = clock.instant().getEpochSecond();
            Lifetime life = new Lifetime(now - 3600, now + lifetime.toSeconds());
            HpkeKeyPair init = suite.generateHpkeKeyPair();
            HpkeKeyPair encryption = suite.generateHpkeKeyPair();
            LeafNode leaf = LeafNode.create(suite, signatureKeyPair.privateKey(), encryption.publicKey(),
                    signatureKeyPair.publicKey(), credential, caps, new LeafNodeSource.KeyPackage(life),
                    leafExtensions, null, 0);
            KeyPackage kp = KeyPackage.create(suite, signatureKeyPair.privateKey(), init.publicKey(), leaf,
                    kpExtensions);
            return new KeyPackageBundle(suite, kp, init, encryption, signatureKeyPair);
        }
    }

    /** {@code caps} with the credential type and every non-default extension type listed. */
    static Capabilities completed(Capabilities caps, int credentialType, List<Extension> a, List<Extension> b) {
        List<Integer> extensions = new ArrayList<>(caps.extensions());
        for (List<Extension> list : List.of(a, b)) {
            for (Extension e : list) {
                if (!ExtensionType.isDefault(e.type()) && !extensions.contains(e.type())) {
                    extensions.add(e.type());
                }
            }
        }
        List<Integer> credentials = new ArrayList<>(caps.credentials());
        if (!credentials.contains(credentialType)) {
            credentials.add(credentialType);
        }
        return new Capabilities(caps.versions(), caps.cipherSuites(), extensions, caps.proposals(), credentials);
    }
}
