package dev.ampoule.mls.group;

import static dev.ampoule.mls.vectors.TestVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code passive-client-*.json}: a client joins from {@code welcome} (with {@code ratchet_tree}
 * when given and the {@code external_psks}), its epoch authenticator equals
 * {@code initial_epoch_authenticator}; then for each epoch it processes the listed proposals and
 * the commit, merges, and compares {@code epoch_authenticator}. Resumption PSKs come from the
 * client's own past epochs.
 */
@ExtendWith(VectorTally.class)
class PassiveClientVectorTest {

    record ExternalPsk(byte[] pskId, byte[] psk) {}

    record Epoch(List<byte[]> proposals, byte[] commit, byte[] epochAuthenticator) {}

    record Case(int cipherSuite, List<ExternalPsk> externalPsks, byte[] keyPackage, byte[] signaturePriv,
            byte[] encryptionPriv, byte[] initPriv, byte[] welcome, byte[] ratchetTree,
            byte[] initialEpochAuthenticator, List<Epoch> epochs) {}

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String file : TestVectors.matching("passive-client-*.json")) {
            List<Case> cases = TestVectors.load(file, Case.class);
            IntStream.range(0, cases.size()).forEach(i -> out.add(Arguments.of(file, i, cases.get(i))));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} #{1}")
    @MethodSource("cases")
    void passiveClient(String file, int index, Case c) {
        VectorTally.current(file, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());

        KeyPackage kp = assertInstanceOf(MlsMessage.OfKeyPackage.class, MlsMessage.fromBytes(c.keyPackage()))
                .keyPackage();
        HpkePrivateKey initPriv = new HpkePrivateKey(c.initPriv().clone());
        HpkePrivateKey encPriv = new HpkePrivateKey(c.encryptionPriv().clone());
        SignaturePrivateKey sigPriv = new SignaturePrivateKey(c.signaturePriv().clone());
        KeyPackageBundle bundle = KeyPackageBundle.of(suite, kp,
                new HpkeKeyPair(initPriv, suite.hpkePublicKey(initPriv)),
                new HpkeKeyPair(encPriv, suite.hpkePublicKey(encPriv)),
                new SignatureKeyPair(sigPriv, suite.signaturePublicKey(sigPriv)));

        // The vectors were made in 2023: read lifetimes at the KeyPackage's own time.
        long notBefore = ((LeafNodeSource.KeyPackage) kp.leafNode().source()).lifetime().notBefore();
        Clock clock = Clock.fixed(Instant.ofEpochSecond(notBefore + 86_400), ZoneOffset.UTC);
        List<PskLookup.ExternalPsk> psks = c.externalPsks().stream()
                .map(p -> new PskLookup.ExternalPsk(p.pskId(), Secret.copyOf(p.psk()))).toList();
        GroupConfig config = GroupConfig.builder()
                .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
                .clock(clock)
                .unlimitedLeafLifetime()
                .pskLookup(PskLookup.of(psks))
                .build();

        MlsMessage welcome = MlsMessage.fromBytes(c.welcome());
        Optional<RatchetTree> tree = Optional.ofNullable(c.ratchetTree()).map(t -> RatchetTree.decode(suite, t));
        Group group = Group.join(config, assertInstanceOf(MlsMessage.OfWelcome.class, welcome).welcome(), bundle,
                tree);
        assertEquals(hex(c.initialEpochAuthenticator()), hex(group.epochAuthenticator()), "initial");

        for (int e = 0; e < c.epochs().size(); e++) {
            Epoch epoch = c.epochs().get(e);
            for (byte[] proposal : epoch.proposals()) {
                assertInstanceOf(Processed.ProposalMessage.class, group.process(MlsMessage.fromBytes(proposal)));
            }
            StagedCommit staged = assertInstanceOf(StagedCommit.class,
                    group.process(MlsMessage.fromBytes(epoch.commit())));
            assertFalse(staged.removesSelf());
            group.merge(staged);
            assertEquals(hex(epoch.epochAuthenticator()), hex(group.epochAuthenticator()), "epoch " + e);
        }
    }
}
