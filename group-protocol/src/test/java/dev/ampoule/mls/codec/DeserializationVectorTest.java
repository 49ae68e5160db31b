package dev.ampoule.mls.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** deserialization.json: variable-length vector headers (RFC 9420 §2.1.2). */
@ExtendWith(VectorTally.class)
class DeserializationVectorTest {

    static final String FILE = "deserialization.json";

    record Case(byte[] vlbytesHeader, int length) {
        @Override
        public String toString() {
            return "length " + length;
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void headerDecodesToLengthAndBack(Case c) {
        VectorTally.current(FILE, VectorTally.NO_SUITE);
        TlsReader r = new TlsReader(c.vlbytesHeader());
        assertEquals(c.length(), r.varint());
        r.finish();
        assertArrayEquals(c.vlbytesHeader(), new TlsWriter().varint(c.length()).toByteArray());
    }
}
