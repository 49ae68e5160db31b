package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * key-schedule.json: for every epoch, the GroupContext bytes and every secret of RFC 9420 §8, the
 * external_pub and an MLS-Exporter value, chaining init_secret from epoch to epoch.
 */
@ExtendWith(VectorTally.class)
class KeyScheduleVectorTest {

    static final String FILE = "key-schedule.json";

    /**
     * The generator of these vectors passes the label to MLS-Exporter as the text of its hex string
     * (not the bytes it spells), so it is read here as a String; the context is hex bytes.
     */
    record Exporter(String label, byte[] context, int length, byte[] secret) {}

    record Epoch(byte[] treeHash, byte[] commitSecret, byte[] pskSecret, byte[] confirmedTranscriptHash,
            byte[] groupContext, byte[] joinerSecret, byte[] welcomeSecret, byte[] initSecret,
            byte[] senderDataSecret, byte[] encryptionSecret, byte[] exporterSecret, byte[] epochAuthenticator,
            byte[] externalSecret, byte[] confirmationKey, byte[] membershipKey, byte[] resumptionPsk,
            byte[] externalPub, Exporter exporter) {}

    record Case(int cipherSuite, byte[] groupId, byte[] initialInitSecret, List<Epoch> epochs) {
        @Override
        public String toString() {
            return "suite " + cipherSuite + ", " + epochs.size() + " epochs";
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void everyEpoch(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        InitSecret init = new InitSecret(c.initialInitSecret().clone());
        for (int i = 0; i < c.epochs().size(); i++) {
            Epoch e = c.epochs().get(i);
            String at = "epoch " + i;
            GroupContext ctx = new GroupContext(c.cipherSuite(), c.groupId(), i, e.treeHash(),
                    e.confirmedTranscriptHash(), List.of());
            assertArrayEquals(e.groupContext(), ctx.toBytes(), at + " group_context");
            assertEquals(ctx, TlsReader.decodeExactly(e.groupContext(), GroupContext::decode), at + " decoded");

            PskSecret psk = new PskSecret(e.pskSecret().clone());
            Secret commit = new Secret(e.commitSecret().clone());
            try (EpochKeys keys = KeySchedule.advance(suite, init, commit, psk, ctx)) {
                EpochSecrets s = keys.epochSecrets();
                assertArrayEquals(e.joinerSecret(), keys.joinerSecret().reveal(), at + " joiner_secret");
                assertArrayEquals(e.welcomeSecret(), keys.welcomeSecret().reveal(), at + " welcome_secret");
                assertArrayEquals(e.initSecret(), s.initSecret().reveal(), at + " init_secret");
                assertArrayEquals(e.senderDataSecret(), s.senderDataSecret().reveal(), at + " sender_data_secret");
                assertArrayEquals(e.encryptionSecret(), s.encryptionSecret().reveal(), at + " encryption_secret");
                assertArrayEquals(e.exporterSecret(), s.exporterSecret().reveal(), at + " exporter_secret");
                assertArrayEquals(e.epochAuthenticator(), s.epochAuthenticator().reveal(), at + " epoch_authenticator");
                assertArrayEquals(e.externalSecret(), s.externalSecret().reveal(), at + " external_secret");
                assertArrayEquals(e.confirmationKey(), s.confirmationKey().reveal(), at + " confirmation_key");
                assertArrayEquals(e.membershipKey(), s.membershipKey().reveal(), at + " membership_key");
                assertArrayEquals(e.resumptionPsk(), s.resumptionPsk().reveal(), at + " resumption_psk");
                assertArrayEquals(e.externalPub(), s.externalPub().bytes(), at + " external_pub");
                Exporter x = e.exporter();
                assertArrayEquals(x.secret(), s.exporter(x.label(), x.context(), x.length()), at + " exporter");

                // A new member's path: from the joiner_secret alone, without the previous epoch.
                JoinerSecret joiner = new JoinerSecret(e.joinerSecret().clone());
                assertArrayEquals(e.welcomeSecret(), KeySchedule.welcomeSecret(suite, joiner, psk).reveal(),
                        at + " welcome_secret from joiner");
                try (EpochSecrets joined = KeySchedule.epochSecrets(suite, joiner, psk, ctx)) {
                    assertArrayEquals(e.epochAuthenticator(), joined.epochAuthenticator().reveal(),
                            at + " epoch_authenticator from joiner");
                    assertArrayEquals(e.initSecret(), joined.initSecret().reveal(), at + " init_secret from joiner");
                    assertArrayEquals(e.confirmationKey(), joined.confirmationKey().reveal(),
                            at + " confirmation_key from joiner");
                }
                init.destroy();
                init = new InitSecret(s.initSecret().copy());
            }
        }
        init.destroy();
    }
}
