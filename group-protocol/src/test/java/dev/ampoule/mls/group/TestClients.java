package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.Welcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
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

    /** Delivers a proposal to every group in {@code to}. */
    static void deliverProposal(MlsMessage proposal, List<Group> to) {
        for (Group g : to) {
            assertInstanceOf(Processed.ProposalMessage.class, g.process(wire(proposal)));
        }
    }

    /**
     * Commits with {@code committer}, has every group of {@code others} process and merge the
     * Commit, then merges it at the committer; checks that all reach the same epoch authenticator.
     */
    static PendingCommit commitAndDeliver(Group committer, CommitOptions options, List<Group> others) {
        PendingCommit pending = committer.commit(options);
        for (Group g : others) {
            StagedCommit staged = assertInstanceOf(StagedCommit.class, g.process(wire(pending.commit())));
            g.merge(staged);
        }
        committer.mergePendingCommit();
        for (Group g : others) {
            if (g.isActive()) {
                assertEquals(committer.epoch(), g.epoch());
                assertArrayEquals(committer.epochAuthenticator(), g.epochAuthenticator());
            }
        }
        return pending;
    }

    /** Re-decodes a message as it would arrive from the network. */
    static MlsMessage wire(MlsMessage m) {
        return MlsMessage.fromBytes(m.toBytes());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
