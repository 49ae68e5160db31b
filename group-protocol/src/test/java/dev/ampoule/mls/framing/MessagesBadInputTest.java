package dev.ampoule.mls.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.Node;
import dev.ampoule.mls.tree.ParentNode;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed input for every struct of every case of messages.json: truncated, extended and
 * bit-flipped encodings. Each must either fail with {@link DecodeException} or, when still
 * well-formed, re-encode to exactly the bytes given. Any other exception fails.
 *
 * <p>Structs up to {@value #SMALL} bytes get every prefix length and every bit flipped; larger ones
 * a dense deterministic sample: every prefix and bit of the first {@value #HEAD} and last
 * {@value #TAIL} bytes (where the headers and length prefixes are), and about {@value #SPREAD}
 * evenly spaced positions in between (a truncation there, and one bit flipped per byte, the bit
 * rotating with the position).
 */
class MessagesBadInputTest {

    /** Structs up to this size are mutated exhaustively. */
    static final int SMALL = 256;
    static final int HEAD = 48;
    static final int TAIL = 16;
    /** Evenly spaced positions sampled in the middle of a large struct. */
    static final int SPREAD = 160;

    static List<MessageStructs.Case> cases() {
        return MessageStructs.cases();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void malformedEncodingsFailCleanly(MessageStructs.Case c) {
        int[] checked = {0};
        for (MessageStructs.Struct s : MessageStructs.structs(c)) {
            byte[] b = s.bytes();
            assertEquals(TestHex.of(b), TestHex.of(s.roundTrip().apply(b)), s.name() + " round trip");

            positions(b.length + 1, n -> {
                checked[0]++;
                check(s, Arrays.copyOf(b, n), "truncated to " + n);
            });
            for (byte[] tail : new byte[][] {{0}, {(byte) 0xFF}, {0, 0, 0, 0}, {0x40, 0x01}}) {
                byte[] longer = Arrays.copyOf(b, b.length + tail.length);
                System.arraycopy(tail, 0, longer, b.length, tail.length);
                checked[0]++;
                check(s, longer, "extended by " + tail.length);
            }
            positions(b.length, i -> {
                for (int bit = 0; bit < 8; bit++) {
                    if (b.length > SMALL && i >= HEAD && i < b.length - TAIL && bit != (i % 8)) {
                        continue; // one bit per sampled byte in the middle of a large struct
                    }
                    byte[] flipped = b.clone();
                    flipped[i] ^= (byte) (1 << bit);
                    checked[0]++;
                    check(s, flipped, "bit " + bit + " of byte " + i + " flipped");
                }
            });
        }
        assertTrue(checked[0] > 1000, "mutations checked: " + checked[0]);
    }

    /**
     * Trees that messages.json cannot produce by mutation: a parent whose unmerged_leaves are not
     * sorted, or name a leaf outside its subtree. The tree decoder refuses them as malformed.
     */
    @Test
    void ratchetTreeWithBadUnmergedLeavesIsMalformed() {
        CipherSuite suite = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
        LeafNode leaf = RatchetTree.decode(suite, cases().get(0).ratchetTree()).leaf(0).orElseThrow();
        for (List<Integer> unmerged : List.of(List.of(1, 0), List.of(1, 1), List.of(2), List.of(0x3FFF_FFFF))) {
            ParentNode parent = new ParentNode(suite.generateHpkeKeyPair().publicKey(), new byte[0], unmerged);
            TlsWriter w = new TlsWriter();
            int mark = w.beginVector();
            w.u8(1);
            Node.encodeNode(w, leaf);
            w.u8(1);
            Node.encodeNode(w, parent);
            w.u8(1);
            Node.encodeNode(w, leaf);
            w.endVector(mark);
            byte[] bytes = w.toByteArray();
            assertThrows(DecodeException.class, () -> RatchetTree.decode(suite, bytes), unmerged.toString());
        }
    }

    /** Every index below {@code n} for a small struct; head, tail and a spread sample otherwise. */
    private static void positions(int n, IntConsumer action) {
        if (n <= SMALL) {
            for (int i = 0; i < n; i++) {
                action.accept(i);
            }
            return;
        }
        for (int i = 0; i < HEAD; i++) {
            action.accept(i);
        }
        int middle = n - HEAD - TAIL;
        int step = Math.max(1, middle / SPREAD);
        // an odd offset so that the sample does not always hit the same field alignment
        for (int i = HEAD + (step / 2 | 1) % step; i < n - TAIL; i += step) {
            action.accept(i);
        }
        for (int i = n - TAIL; i < n; i++) {
            action.accept(i);
        }
    }

    private static void check(MessageStructs.Struct s, byte[] input, String what) {
        byte[] out;
        try {
            out = s.roundTrip().apply(input);
        } catch (DecodeException expected) {
            return;
        } catch (Throwable t) {
            fail(s.name() + " " + what + ": " + t.getClass().getName() + " escaped the decoder: " + t.getMessage(), t);
            return;
        }
        if (!Arrays.equals(input, out)) {
            fail(s.name() + " " + what + ": decoded but re-encoded to different bytes");
        }
    }
}
