package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * transcript-hashes.json (RFC 9420 §8.2). The AuthenticatedContent of a Commit ends with its
 * confirmation_tag ({@code opaque MAC<V>}, KDF.Nh bytes); everything before it is exactly the
 * ConfirmedTranscriptHashInput and the tag with its prefix is the InterimTranscriptHashInput, so the
 * split needs no framing code.
 */
@ExtendWith(VectorTally.class)
class TranscriptHashesVectorTest {

    static final String FILE = "transcript-hashes.json";

    record Case(int cipherSuite, byte[] confirmationKey, byte[] authenticatedContent,
            byte[] interimTranscriptHashBefore, byte[] confirmedTranscriptHashAfter,
            byte[] interimTranscriptHashAfter) {
        @Override
        public String toString() {
            return "suite " + cipherSuite;
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void confirmedAndInterim(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        byte[] ac = c.authenticatedContent();
        int suffix = TranscriptHashes.interimInput(new byte[suite.hashLength()]).length;
        byte[] confirmedInput = Arrays.copyOf(ac, ac.length - suffix);
        byte[] interimInput = Arrays.copyOfRange(ac, ac.length - suffix, ac.length);
        byte[] tag = TlsReader.decodeExactly(interimInput, TlsReader::opaque);

        byte[] confirmed = TranscriptHashes.confirmed(suite, c.interimTranscriptHashBefore(), confirmedInput);
        assertArrayEquals(c.confirmedTranscriptHashAfter(), confirmed, "confirmed_transcript_hash_after");
        assertArrayEquals(tag, suite.mac(c.confirmationKey(), confirmed), "confirmation_tag");
        assertArrayEquals(c.interimTranscriptHashAfter(), TranscriptHashes.interim(suite, confirmed, interimInput),
                "interim_transcript_hash_after");
        assertArrayEquals(c.interimTranscriptHashAfter(), TranscriptHashes.interimFromTag(suite, confirmed, tag),
                "interim_transcript_hash_after from the bare tag");
    }
}
