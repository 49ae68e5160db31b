package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordCodecTest {

    static Stream<StoreRecord> records() {
        DeviceId d = new DeviceId("user|with:odd#chars", "dev-1");
        Bytes g = Bytes.ofHex("0102");
        GroupMessage m = new GroupMessage(g, 7, 3, MessageKind.COMMIT, 99, Bytes.ofHex("abcdef"));
        return Stream.of(
                new StoreRecord.KeyPackageAdded(d, Bytes.ofHex("aa"), 1, Bytes.ofHex("bb"), true),
                new StoreRecord.KeyPackageTaken(d, Bytes.ofHex("aa")),
                new StoreRecord.GroupCreated(g, d, 0, Bytes.ofHex("01"), Bytes.ofHex("02"), 5),
                new StoreRecord.MessageAccepted(new GroupMessage(g, 1, 0, MessageKind.APPLICATION, 1, Bytes.ofHex("ff"))),
                new StoreRecord.CommitAccepted(m, Bytes.ofHex("03"), Bytes.ofHex("04"), Bytes.EMPTY,
                        List.of(new StoreRecord.Joined(d, 2)), List.of(new DeviceId("x", "y"))),
                new StoreRecord.CursorMoved(d, g, 12),
                new StoreRecord.MailboxAcked(d, 4),
                new StoreRecord.GroupState(g, d, 3, 7, 9, Bytes.ofHex("05"), Bytes.ofHex("06")),
                new StoreRecord.MailboxEntry(d, 2, g, 7, Bytes.ofHex("07"), 123),
                new StoreRecord.MessageAccepted(new GroupMessage(g, 2, 0, MessageKind.APPLICATION, 1, Bytes.ofHex("ee")),
                        Bytes.ofHex("0102")),
                new StoreRecord.Departed(g, d, 7, 9, 1234),
                new StoreRecord.MemberSince(g, d, 9),
                new StoreRecord.UserErased("user|with:odd#chars"));
    }

    @ParameterizedTest
    @MethodSource("records")
    void roundTripsAndRejectsTruncation(StoreRecord r) {
        byte[] bytes = RecordCodec.encode(r);
        assertEquals(r, RecordCodec.decode(bytes));
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThrows(DecodeException.class, () -> RecordCodec.decode(cut));
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(DecodeException.class, () -> RecordCodec.decode(longer));
    }

    /**
     * Ids are stored as UTF-8; bytes that are not UTF-8 are a corrupt record, refused rather than
     * read as another id (a replacement character) that would not even encode back to them.
     */
    @ParameterizedTest
    @MethodSource("notUtf8")
    void idsThatAreNotUtf8AreRefused(byte[] user, byte[] device) {
        TlsWriter w = new TlsWriter().u8(RecordCodec.MAILBOX_ACKED).opaque(user).opaque(device).u64(4);
        byte[] bytes = w.toByteArray();
        assertThrows(DecodeException.class, () -> RecordCodec.decode(bytes));
        byte[] erased = new TlsWriter().u8(RecordCodec.USER_ERASED).opaque(user).toByteArray();
        if (!Arrays.equals(user, "alice".getBytes(StandardCharsets.UTF_8))) {
            assertThrows(DecodeException.class, () -> RecordCodec.decode(erased));
        }
    }

    static Stream<Arguments> notUtf8() {
        byte[] alice = "alice".getBytes(StandardCharsets.UTF_8);
        byte[] phone = "phone".getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                Arguments.of(new byte[] {'s', (byte) 0xf5, 'e', 'r'}, phone), // not a UTF-8 lead byte
                Arguments.of(new byte[] {(byte) 0xc3}, phone), // truncated sequence
                Arguments.of(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, phone), // a surrogate
                Arguments.of(new byte[] {(byte) 0xc0, (byte) 0xae}, phone), // overlong '.'
                Arguments.of(alice, new byte[] {'p', (byte) 0xff}));
    }
}
