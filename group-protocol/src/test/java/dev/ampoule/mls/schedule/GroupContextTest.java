package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.vectors.TestVectors;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GroupContext codec and its cached encoding (RFC 9420 §8.1). */
class GroupContextTest {

    static final List<Extension> EXTENSIONS = List.of(new Extension(3, new byte[] {0, 0, 0}),
            new Extension(0xFF00, new byte[] {1, 2}));

    static GroupContext sample() {
        return new GroupContext(2, new byte[] {0x0a, 0x0b}, 0x0102030405060708L, new byte[] {1, 1},
                new byte[] {2, 2, 2}, EXTENSIONS);
    }

    @Test
    void encodesTheStructField() {
        byte[] expected = TestVectors.hex("0001" + "0002" + "020a0b" + "0102030405060708" + "020101" + "03020202"
                + "0b" + "0003" + "03000000" + "ff00" + "020102");
        assertArrayEquals(expected, sample().toBytes());
        TlsWriter w = new TlsWriter();
        w.u8(9).write(sample());
        assertEquals(expected.length + 1, w.size());
        assertEquals(expected.length, sample().encodedLength());
    }

    @Test
    void roundTripsAndKeepsTheReadBytes() {
        byte[] bytes = sample().toBytes();
        GroupContext decoded = TlsReader.decodeExactly(bytes, GroupContext::decode);
        assertEquals(sample(), decoded);
        assertEquals(sample().hashCode(), decoded.hashCode());
        assertEquals(2, decoded.cipherSuite());
        assertEquals(0x0102030405060708L, decoded.epoch());
        assertEquals(EXTENSIONS, decoded.extensions());
        assertArrayEquals(bytes, decoded.toBytes());
        assertTrue(decoded.hasGroupId(new byte[] {0x0a, 0x0b}));
    }

    @Test
    void refusesMalformedInput() {
        byte[] bytes = sample().toBytes();
        byte[] otherVersion = bytes.clone();
        otherVersion[1] = 2;
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(otherVersion, GroupContext::decode));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(truncated, GroupContext::decode));
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(longer, GroupContext::decode));
    }

    @Test
    void cachedEncodingCannotBeAlteredFromOutside() {
        byte[] groupId = {5, 5};
        byte[] treeHash = {6};
        GroupContext ctx = new GroupContext(1, groupId, 3, treeHash, new byte[0], List.of());
        byte[] before = ctx.toBytes();
        groupId[0] = 0;
        treeHash[0] = 0;
        ctx.groupId()[1] = 0;
        ctx.treeHash()[0] = 0;
        ctx.toBytes()[0] = 9;
        assertArrayEquals(before, ctx.toBytes());
    }

    @Test
    void derivedContextsAreReencoded() {
        GroupContext ctx = GroupContext.initial(1, new byte[] {7}, new byte[] {1}, List.of());
        assertEquals(0, ctx.epoch());
        assertEquals(0, ctx.confirmedTranscriptHash().length);
        GroupContext next = ctx.next(new byte[] {2}, new byte[] {3}, EXTENSIONS);
        assertEquals(new GroupContext(1, new byte[] {7}, 1, new byte[] {2}, new byte[] {3}, EXTENSIONS), next);
        assertEquals(next, ctx.withEpoch(1).withTreeHash(new byte[] {2}).withConfirmedTranscriptHash(new byte[] {3})
                .withExtensions(EXTENSIONS));
        assertNotEquals(ctx, next);
        assertEquals(next, TlsReader.decodeExactly(next.toBytes(), GroupContext::decode));
        assertTrue(next.toString().contains("epoch=1"));
    }
}
