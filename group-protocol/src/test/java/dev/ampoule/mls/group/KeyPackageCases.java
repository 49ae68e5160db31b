package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.Forge.keyPackage;
import static dev.ampoule.mls.group.Forge.keyPackageWithLeaf;
import static dev.ampoule.mls.group.Forge.proposal;
import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;

import dev.ampoule.mls.credential.AuthenticationService;
import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.MessageRule;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNodeSource;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * KeyPackages that fail validation (RFC 9420 §10.1, §7.3, §5.3.1), each carried by an Add proposal
 * of alice that bob and the relay refuse; and the local check of a bundle's key pairs.
 */
final class KeyPackageCases {

    private KeyPackageCases() {}

    /** The default capabilities with exactly {@code credentials} as credential types. */
    static Capabilities withCredentials(List<Integer> credentials) {
        Capabilities d = GroupConfig.DEFAULT_CAPABILITIES;
        return new Capabilities(d.versions(), d.cipherSuites(), d.extensions(), d.proposals(), credentials);
    }

    /** The default capabilities listing {@code extensions} as well. */
    static Capabilities withExtensions(List<Integer> extensions) {
        Capabilities d = GroupConfig.DEFAULT_CAPABILITIES;
        return new Capabilities(d.versions(), d.cipherSuites(), extensions, d.proposals(), d.credentials());
    }

    /** A certificate chain the lenient Authentication Service does not look into. */
    static Credential x509() {
        return new Credential.X509(List.of(new Credential.Certificate(utf8("not parsed by the lenient service"))));
    }

    /**
     * Basic credentials as the test configuration judges them, and any X.509 credential: for the
     * credential-type rules of §7.3, which the group checks after the Authentication Service.
     */
    static final AuthenticationService LENIENT = new AuthenticationService() {
        private final BasicCredentialValidator basic = BasicCredentialValidator.acceptingAnyIdentity();

        @Override
        public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
                CredentialContext context) {
            if (credential instanceof Credential.Basic) {
                basic.validate(credential, signatureKey, suite, context);
            }
        }

        @Override
        public boolean allowsReplacement(Credential current, Credential successor) {
            return current.equals(successor) || basic.allowsReplacement(current, successor);
        }
    };

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("key packages");

        // ---- the KeyPackage itself (§10.1) -----------------------------------------------------
        c.both("KeyPackage with a corrupted signature", MessageRule.KEY_PACKAGE_SIGNATURE, () -> {
            KeyPackage kp = TestClients.keyPackage("dave").keyPackage();
            return added(new KeyPackage(kp.version(), kp.cipherSuite(), kp.initKey(), kp.leafNode(), kp.extensions(),
                    flipLast(kp.signature())));
        });
        c.both("KeyPackage signed by another key", MessageRule.KEY_PACKAGE_SIGNATURE,
                () -> added(Forge.KeyPackageParts.of(TestClients.keyPackage("dave").keyPackage())
                        .sign(SUITE.generateSignatureKeyPair().privateKey())));
        c.both("KeyPackage of another cipher suite", GroupRule.KEY_PACKAGE_VERSION_OR_SUITE,
                () -> added(TestClients.keyPackage(
                        BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256), "dave")
                        .keyPackage()));
        c.both("KeyPackage of another protocol version", GroupRule.KEY_PACKAGE_VERSION_OR_SUITE,
                () -> added(keyPackage("dave", p -> p, p -> p.version(2))));
        c.both("KeyPackage whose init key is its leaf's encryption key", MessageRule.KEY_PACKAGE_INIT_KEY_REUSED,
                () -> added(keyPackage("dave", p -> p, p -> p.initKey(p.leaf().encryptionKey()))));
        c.both("KeyPackage whose init key does not decode", CryptoRule.INVALID_HPKE_PUBLIC_KEY,
                () -> added(keyPackage("dave", p -> p, p -> p.initKey(new HpkePublicKey(new byte[5])))));
        c.both("KeyPackage whose init key is a low-order point", CryptoRule.INVALID_HPKE_PUBLIC_KEY,
                () -> added(keyPackage("dave", p -> p, p -> p.initKey(new HpkePublicKey(new byte[32])))));
        c.both("KeyPackage leaf whose encryption key does not decode", CryptoRule.INVALID_HPKE_PUBLIC_KEY,
                () -> added(keyPackageWithLeaf("dave", p -> p.encryptionKey(new HpkePublicKey(new byte[0])))));
        c.member("commit adding a KeyPackage whose init key does not decode", CryptoRule.INVALID_HPKE_PUBLIC_KEY,
                () -> {
                    Trio t = Trio.create();
                    KeyPackage kp = keyPackage("dave", p -> p, p -> p.initKey(new HpkePublicKey(new byte[5])));
                    return t.local(() -> t.alice.commit(CommitOptions.builder().add(kp).build()));
                });
        c.both("KeyPackage leaf with source update", MessageRule.KEY_PACKAGE_LEAF_SOURCE,
                () -> added(keyPackageWithLeaf("dave", p -> p.source(new LeafNodeSource.Update()))));
        c.both("KeyPackage leaf with source commit", MessageRule.KEY_PACKAGE_LEAF_SOURCE,
                () -> added(keyPackageWithLeaf("dave", p -> p.source(new LeafNodeSource.Commit(new byte[32])))));
        c.both("KeyPackage leaf with a corrupted signature", MessageRule.KEY_PACKAGE_LEAF_SIGNATURE,
                () -> added(keyPackage("dave", p -> p, p -> p.leaf(p.leaf().withSignature(
                        flipLast(p.leaf().signature()))))));
        c.both("KeyPackage with duplicate extension types", GroupRule.DUPLICATE_EXTENSION_TYPE,
                () -> added(keyPackage("dave", p -> p, p -> p.extensions(List.of(
                        new Extension(ProposalCases.UNKNOWN_EXTENSION, new byte[0]),
                        new Extension(ProposalCases.UNKNOWN_EXTENSION, new byte[0]))))));

        // ---- lifetime (§7.2, §7.3) -----------------------------------------------------------------
        c.both("KeyPackage that expired", GroupRule.LEAF_LIFETIME, () -> added(
                KeyPackageBundle.builder(SUITE, credential("dave"), SUITE.generateSignatureKeyPair())
                        .clock(Clock.offset(Clock.systemUTC(), Duration.ofDays(-200))).build().keyPackage()));
        c.both("KeyPackage not yet valid", GroupRule.LEAF_LIFETIME, () -> added(
                KeyPackageBundle.builder(SUITE, credential("dave"), SUITE.generateSignatureKeyPair())
                        .clock(Clock.offset(Clock.systemUTC(), Duration.ofDays(2))).build().keyPackage()));
        c.both("KeyPackage living longer than the maximum", GroupRule.LEAF_LIFETIME_TOO_LONG, () -> added(
                KeyPackageBundle.builder(SUITE, credential("dave"), SUITE.generateSignatureKeyPair())
                        .lifetime(Duration.ofDays(3650)).build().keyPackage()));

        // ---- capabilities and credentials against the group (§7.3, §11.1, §13.4, §5.3.1) ---------
        c.both("KeyPackage lacking the group's required capabilities", GroupRule.LEAF_REQUIRED_CAPABILITIES, () -> {
            Trio t = Trio.builder().config(CONFIG.toBuilder().requiredCapabilities(new RequiredCapabilities(
                    List.of(), List.of(), List.of(Credential.BASIC, Credential.X509))).build()).build();
            return t.deliver(t.bob, proposal(t.alice, new AddProposal(
                    KeyPackageBundle.builder(SUITE, credential("dave"), SUITE.generateSignatureKeyPair())
                            .capabilities(withCredentials(List.of(Credential.BASIC))).build().keyPackage())));
        });
        c.both("KeyPackage not supporting a GroupContext extension", GroupRule.LEAF_GROUP_EXTENSION_UNSUPPORTED, () -> {
            Trio t = Trio.builder().extensions(List.of(new Extension(ProposalCases.UNKNOWN_EXTENSION, utf8("x"))))
                    .capabilities(withExtensions(List.of(ProposalCases.UNKNOWN_EXTENSION))).build();
            return t.deliver(t.bob, proposal(t.alice, new AddProposal(TestClients.keyPackage("dave").keyPackage())));
        });
        c.both("KeyPackage leaf with an extension missing from its capabilities",
                GroupRule.LEAF_EXTENSION_NOT_IN_CAPABILITIES, () -> added(keyPackageWithLeaf("dave",
                        p -> p.extensions(List.of(new Extension(ProposalCases.UNKNOWN_EXTENSION, new byte[0]))))));
        c.both("KeyPackage leaf not listing its own credential type", GroupRule.LEAF_CREDENTIAL_TYPE_NOT_LISTED,
                () -> added(keyPackageWithLeaf("dave", p -> p.capabilities(withCredentials(List.of(Credential.X509))))));
        c.both("KeyPackage with a credential type some member does not support",
                GroupRule.LEAF_CREDENTIAL_TYPE_NOT_SUPPORTED, () -> {
                    Capabilities basicOnly = withCredentials(List.of(Credential.BASIC));
                    Trio t = Trio.builder().config(CONFIG.toBuilder().authenticationService(LENIENT)
                            .capabilities(basicOnly).build()).capabilities(basicOnly).build();
                    return t.deliver(t.bob, proposal(t.alice, new AddProposal(keyPackageWithLeaf("dave",
                            p -> p.credential(x509()).capabilities(
                                    withCredentials(List.of(Credential.BASIC, Credential.X509)))))));
                });
        c.both("KeyPackage not supporting a credential type in use", GroupRule.LEAF_MISSING_CREDENTIAL_TYPES, () -> {
            Trio t = Trio.builder().config(CONFIG.toBuilder().authenticationService(LENIENT).build()).build();
            return t.deliver(t.bob, proposal(t.alice, new AddProposal(keyPackageWithLeaf("dave",
                    p -> p.credential(x509()).capabilities(withCredentials(List.of(Credential.X509)))))));
        });
        c.both("KeyPackage with an empty identity", CredentialRule.EMPTY_IDENTITY, () -> added(
                KeyPackageBundle.builder(SUITE, new Credential.Basic(new byte[0]), SUITE.generateSignatureKeyPair())
                        .build().keyPackage()));
        c.both("KeyPackage with a credential type the Authentication Service refuses",
                CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE,
                () -> added(keyPackageWithLeaf("dave", p -> p.credential(x509()))));
        c.both("KeyPackage of an identity the Authentication Service does not know", CredentialRule.UNKNOWN_IDENTITY,
                () -> {
                    Trio t = Trio.builder().config(CONFIG.toBuilder().authenticationService(
                            BasicCredentialValidator.trusting(id -> !Arrays.equals(id, utf8("mallory")))).build())
                            .build();
                    return t.deliver(t.bob, proposal(t.alice, new AddProposal(
                            TestClients.keyPackage("mallory").keyPackage())));
                });

        // ---- a bundle's private keys (§10) --------------------------------------------------------
        c.member("bundle whose init key pair is not the KeyPackage's", GroupRule.KEY_PAIR_MISMATCH, () -> {
            Trio t = Trio.create();
            KeyPackageBundle b = TestClients.keyPackage("dave");
            return t.local(() -> KeyPackageBundle.of(SUITE, b.keyPackage(), SUITE.generateHpkeKeyPair(),
                    b.encryptionKeyPair(), b.signatureKeyPair())).then(() -> {
                        KeyPackageBundle.of(SUITE, b.keyPackage(), b.initKeyPair(), b.encryptionKeyPair(),
                                b.signatureKeyPair());
                        t.liveness();
                    });
        });
        c.member("bundle whose signature key pair is not the KeyPackage's", GroupRule.KEY_PAIR_MISMATCH, () -> {
            Trio t = Trio.create();
            KeyPackageBundle b = TestClients.keyPackage("dave");
            return t.local(() -> KeyPackageBundle.of(SUITE, b.keyPackage(), b.initKeyPair(), b.encryptionKeyPair(),
                    SUITE.generateSignatureKeyPair()));
        });
        return c.cases();
    }

    /** Alice proposes adding {@code kp}; bob and the relay receive the proposal. */
    private static MatrixCase.Attempt added(KeyPackage kp) {
        Trio t = Trio.create();
        return t.deliver(t.bob, proposal(t.alice, new AddProposal(kp)));
    }
}
