package dev.ampoule.mls.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.InternalException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsCodecTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void integersAreBigEndian() {
        byte[] b = new TlsWriter().u8(0xAB).u16(0x1234).u32(0xDEADBEEFL).u64(0x0102030405060708L).toByteArray();
        assertArrayEquals(hex("ab1234deadbeef0102030405060708"), b);
        TlsReader r = new TlsReader(b);
        assertEquals(0xAB, r.u8());
        assertEquals(0x1234, r.u16());
        assertEquals(0xDEADBEEFL, r.u32());
        assertEquals(0x0102030405060708L, r.u64());
        r.finish();
    }

    @ParameterizedTest
    @ValueSource(strings = {"4000", "403f", "80000000", "80003fff"})
    void nonMinimalVarintsAreRefused(String encoding) {
        assertThrows(DecodeException.class, () -> new TlsReader(hex(encoding)).varint());
    }

    @Test
    void varintWithTopBitsSetIsRefused() {
        assertThrows(DecodeException.class, () -> new TlsReader(hex("c000000000000000")).varint());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 63, 64, 16383, 16384, (1 << 30) - 1})
    void varintRoundTripsAtEveryBoundary(int v) {
        byte[] b = new TlsWriter().varint(v).toByteArray();
        assertEquals(v < 64 ? 1 : v < 16384 ? 2 : 4, b.length);
        assertEquals(v, TlsReader.decodeExactly(b, TlsReader::varint));
    }

    @Test
    void varintBeyondThirtyBitsCannotBeWritten() {
        assertThrows(InternalException.class, () -> new TlsWriter().varint(1 << 30));
    }

    @Test
    void lengthBeyondTheInputIsRefusedBeforeAllocating() {
        // claims 2^30-1 bytes with only two present: must fail on the length check, not allocate
        assertThrows(DecodeException.class, () -> new TlsReader(hex("bfffffff0102")).opaque());
    }

    @Test
    void trailingBytesAreRefused() {
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(hex("0101aa"), TlsReader::opaque));
        assertArrayEquals(hex("aa"), TlsReader.decodeExactly(hex("01aa"), TlsReader::opaque));
    }

    @Test
    void vectorItemsMustFillTheBodyExactly() {
        // body of 3 bytes holding uint16 items: 1.5 items
        assertThrows(DecodeException.class, () -> new TlsReader(hex("03000100")).vector(TlsReader::u16));
        List<Integer> items = new TlsReader(hex("0400010002")).vector(TlsReader::u16);
        assertEquals(List.of(1, 2), items);
    }

    @Test
    void vectorsOfEveryPrefixSizeRoundTrip() {
        for (int n : new int[] {0, 10, 63, 64, 5000, 16383, 16384, 70000}) {
            byte[] body = new byte[n];
            for (int i = 0; i < n; i++) {
                body[i] = (byte) i;
            }
            TlsWriter w = new TlsWriter().u8(7);
            int mark = w.beginVector();
            w.raw(body);
            w.endVector(mark).u8(9);
            byte[] out = w.toByteArray();
            TlsReader r = new TlsReader(out);
            assertEquals(7, r.u8());
            assertArrayEquals(body, r.opaque());
            assertEquals(9, r.u8());
            r.finish();
        }
    }

    @Test
    void nestedVectorsRoundTrip() {
        List<List<Integer>> value = List.of(List.of(1, 2, 3), List.of(), List.of(300));
        byte[] b = new TlsWriter().vector(value, (w, inner) -> w.vector(inner, TlsWriter::u16)).toByteArray();
        List<List<Integer>> back = TlsReader.decodeExactly(b, r -> r.vector(x -> x.vector(TlsReader::u16)));
        assertEquals(value, back);
    }

    @Test
    void optionalAcceptsOnlyZeroOrOne() {
        assertEquals(Optional.empty(), new TlsReader(hex("00")).optional(TlsReader::u8));
        assertEquals(Optional.of(5), new TlsReader(hex("0105")).optional(TlsReader::u8));
        assertThrows(DecodeException.class, () -> new TlsReader(hex("0205")).optional(TlsReader::u8));
        byte[] b = new TlsWriter().optional(Optional.of(5), TlsWriter::u8).optional(Optional.<Integer>empty(), TlsWriter::u8)
                .toByteArray();
        assertArrayEquals(hex("010500"), b);
    }

    @Test
    void truncatedIntegersAreRefused() {
        assertThrows(DecodeException.class, () -> new TlsReader(hex("01")).u16());
        assertThrows(DecodeException.class, () -> new TlsReader(hex("010203")).u32());
        assertThrows(DecodeException.class, () -> new TlsReader(hex("")).u8());
        assertThrows(DecodeException.class, () -> new TlsReader(hex("02")).bool());
    }

    @Test
    void u32AsIntRefusesValuesAboveIntMax() {
        assertThrows(DecodeException.class, () -> new TlsReader(hex("80000000")).u32AsInt());
        assertEquals(Integer.MAX_VALUE, new TlsReader(hex("7fffffff")).u32AsInt());
    }
}
