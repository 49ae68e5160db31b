package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.Welcome;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Helpers for group tests: clients with a basic credential, a permissive configuration. */
final class TestClients {

    static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    static final GroupConfig CONFIG = GroupConfig.builder()
            .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
            .build();

    private TestClients() {}

    static Credential credential(String name) {
        return new Credential.Basic(name.getBytes(StandardCharsets.UTF_8));
    }

    static KeyPackageBundle keyPackage(String name) {
        return keyPackage(SUITE, name);
    }

    static KeyPackageBundle keyPackage(CipherSuite suite, String name) {
        SignatureKeyPair keys = suite.generateSignatureKeyPair();
        return KeyPackageBundle.builder(suite, credential(name), keys).build();
    }

    static Group create(String name) {
        return create(CONFIG, name);
    }

    static Group create(GroupConfig config, String name) {
        return Group.create(config, SUITE, SUITE.randomBytes(16), credential(name), SUITE.generateSignatureKeyPair());
    }

    static Welcome welcome(PendingCommit commit) {
        MlsMessage m = commit.welcome().orElseThrow();
        return ((MlsMessage.OfWelcome) m).welcome();
    }

    static Group join(PendingCommit commit, KeyPackageBundle bundle) {
        return join(CONFIG, commit, bundle);
    }

    static Group join(GroupConfig config, PendingCommit commit, KeyPackageBundle bundle) {
        return Group.join(config, welcome(commit), bundle, Optional.empty());
    }

    /** Re-decodes a message as it would arrive from the network. */
    static MlsMessage wire(MlsMessage m) {
        return MlsMessage.fromBytes(m.toBytes());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
