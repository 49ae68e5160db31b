package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * secret-tree.json: the sender-data key and nonce (RFC 9420 §6.3.2), and for every leaf of a secret
 * tree rooted at encryption_secret the handshake and application keys and nonces of the listed
 * generations (§9, §9.1).
 */
@ExtendWith(VectorTally.class)
class SecretTreeVectorTest {

    static final String FILE = "secret-tree.json";

    record SenderData(byte[] senderDataSecret, byte[] ciphertext, byte[] key, byte[] nonce) {}

    record Generation(long generation, byte[] handshakeKey, byte[] handshakeNonce, byte[] applicationKey,
            byte[] applicationNonce) {}

    record Case(int cipherSuite, SenderData senderData, byte[] encryptionSecret, List<List<Generation>> leaves) {
        @Override
        public String toString() {
            return "suite " + cipherSuite + ", " + leaves.size() + " leaves";
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void senderDataAndLeaves(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());

        SenderData sd = c.senderData();
        SenderDataSecret sds = new SenderDataSecret(sd.senderDataSecret().clone());
        try (KeyAndNonce kn = KeySchedule.senderDataKeyAndNonce(suite, sds, sd.ciphertext())) {
            assertArrayEquals(sd.key(), kn.key().reveal(), "sender_data key");
            assertArrayEquals(sd.nonce(), kn.nonce().reveal(), "sender_data nonce");
        }

        int n = c.leaves().size();
        RatchetWindow window = RatchetWindow.DEFAULT;
        // Receiver: each listed generation opened directly, leaves in order.
        try (SecretTree tree = SecretTree.create(suite, encryption(c), n, window)) {
            for (int leaf = 0; leaf < n; leaf++) {
                for (Generation g : c.leaves().get(leaf)) {
                    check(g, leaf, tree.take(leaf, RatchetType.HANDSHAKE, g.generation()),
                            tree.take(leaf, RatchetType.APPLICATION, g.generation()));
                }
            }
        }
        // Receiver again, leaves in reverse order: lazy derivation must not depend on the order.
        try (SecretTree tree = SecretTree.create(suite, encryption(c), n, window)) {
            for (int leaf = n - 1; leaf >= 0; leaf--) {
                for (Generation g : c.leaves().get(leaf)) {
                    int at = leaf;
                    byte[][] app = tree.open(leaf, RatchetType.APPLICATION, g.generation(),
                            k -> new byte[][] {k.key().copy(), k.nonce().copy()});
                    assertArrayEquals(g.applicationKey(), app[0], "leaf " + at + " application key (open)");
                    assertArrayEquals(g.applicationNonce(), app[1], "leaf " + at + " application nonce (open)");
                }
            }
        }
        // Sender: walk each ratchet with next().
        try (SecretTree tree = SecretTree.create(suite, encryption(c), n, window)) {
            for (int leaf = 0; leaf < n; leaf++) {
                for (Generation g : c.leaves().get(leaf)) {
                    RatchetKey hs;
                    RatchetKey app;
                    do {
                        hs = tree.next(leaf, RatchetType.HANDSHAKE);
                    } while (hs.generation() < g.generation());
                    do {
                        app = tree.next(leaf, RatchetType.APPLICATION);
                    } while (app.generation() < g.generation());
                    check(g, leaf, hs, app);
                }
            }
        }
    }

    private static EncryptionSecret encryption(Case c) {
        return new EncryptionSecret(c.encryptionSecret().clone());
    }

    private static void check(Generation g, int leaf, RatchetKey hs, RatchetKey app) {
        String at = "leaf " + leaf + " generation " + g.generation();
        assertEquals(g.generation(), hs.generation(), at);
        assertEquals(g.generation(), app.generation(), at);
        assertArrayEquals(g.handshakeKey(), hs.key().reveal(), at + " handshake key");
        assertArrayEquals(g.handshakeNonce(), hs.nonce().reveal(), at + " handshake nonce");
        assertArrayEquals(g.applicationKey(), app.key().reveal(), at + " application key");
        assertArrayEquals(g.applicationNonce(), app.nonce().reveal(), at + " application nonce");
        hs.close();
        app.close();
    }
}
