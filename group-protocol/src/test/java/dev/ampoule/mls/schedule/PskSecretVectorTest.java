package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** psk_secret.json: external PreSharedKeyIDs chained into psk_secret (RFC 9420 §8.4). */
@ExtendWith(VectorTally.class)
class PskSecretVectorTest {

    static final String FILE = "psk_secret.json";

    record Psk(byte[] pskId, byte[] psk, byte[] pskNonce) {}

    record Case(int cipherSuite, List<Psk> psks, byte[] pskSecret) {
        @Override
        public String toString() {
            return "suite " + cipherSuite + ", " + psks.size() + " PSKs";
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void pskSecret(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        List<PskInput> inputs = new ArrayList<>();
        for (Psk p : c.psks()) {
            PreSharedKeyId id = new PreSharedKeyId.External(p.pskId(), p.pskNonce());
            assertEquals(id, TlsReader.decodeExactly(id.toBytes(), PreSharedKeyId::decode), "id round trip");
            id.checkNonceLength(suite);
            inputs.add(new PskInput(id, Secret.copyOf(p.psk())));
        }
        try (PskSecret secret = PreSharedKeys.pskSecret(suite, inputs)) {
            assertArrayEquals(c.pskSecret(), secret.reveal());
        }
        for (PskInput in : inputs) {
            assertEquals(false, in.psk().isDestroyed(), "inputs stay the caller's");
        }
    }
}
