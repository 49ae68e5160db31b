package dev.ampoule.mls.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.schedule.ConfirmationKey;
import dev.ampoule.mls.schedule.TranscriptHashes;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * transcript-hashes.json through the framing structs (RFC 9420 §8.2, §6.1): the AuthenticatedContent
 * decodes to a commit; its ConfirmedTranscriptHashInput (wire_format || FramedContent || signature)
 * gives the confirmed hash, under which the confirmation tag verifies; the tag gives the interim
 * hash.
 */
@ExtendWith(VectorTally.class)
class TranscriptHashesFramingVectorTest {

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
    void commitTranscript(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        AuthenticatedContent ac = TlsReader.decodeExactly(c.authenticatedContent(), AuthenticatedContent::decode);
        assertEquals(ContentType.COMMIT, ac.contentType());
        assertArrayEquals(c.authenticatedContent(), ac.toBytes(), "re-encoding");

        byte[] confirmed = TranscriptHashes.confirmed(suite, c.interimTranscriptHashBefore(),
                ac.confirmedTranscriptHashInput());
        assertArrayEquals(c.confirmedTranscriptHashAfter(), confirmed, "confirmed_transcript_hash_after");

        ConfirmationKey key = new ConfirmationKey(c.confirmationKey().clone());
        ac.checkConfirmationTag(suite, key, confirmed);
        var bad = assertThrows(ValidationException.class,
                () -> ac.checkConfirmationTag(suite, key, c.interimTranscriptHashBefore()));
        assertEquals(FramingRule.CONFIRMATION_TAG, bad.rule());

        assertArrayEquals(c.interimTranscriptHashAfter(),
                TranscriptHashes.interimFromTag(suite, confirmed, ac.confirmationTag()), "interim_transcript_hash_after");
    }
}
