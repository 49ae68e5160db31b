package dev.ampoule.relay.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire format of every frame type, pinned byte for byte (PROTOCOL.md): each frame encodes to
 * exactly these bytes (request id 0x01020304) and these bytes decode to the frame.
 */
class FrameWireFormatTest {

    static Stream<Arguments> pinned() {
        Bytes g = Bytes.ofHex("0a0b0c");
        Bytes m = Bytes.ofHex("0001000102030405");
        return Stream.of(
                Arguments.of(new Frame.Authenticate("eyJ.token.sig", "phone-1"),
                        "000101010203040d65794a2e746f6b656e2e7369670770686f6e652d31"),
                Arguments.of(new Frame.PublishKeyPackages(List.of(m, Bytes.ofHex("ff")), false),
                        "000102010203040b08000100010203040501ff00"),
                Arguments.of(new Frame.PublishKeyPackages(List.of(m), true),
                        "000102010203040908000100010203040501"),
                Arguments.of(new Frame.PublishKeyPackages(List.of(), false),
                        "000102010203040000"),
                Arguments.of(new Frame.ClaimKeyPackages("alice", Optional.of("laptop"), 1),
                        "0001030102030405616c69636501066c6170746f700001"),
                Arguments.of(new Frame.ClaimKeyPackages("bob", Optional.empty(), 0),
                        "0001030102030403626f62000000"),
                Arguments.of(new Frame.CreateGroup(g, m, Optional.of(Bytes.ofHex("00"))),
                        "00010401020304030a0b0c080001000102030405010100"),
                Arguments.of(new Frame.CreateGroup(g, m, Optional.empty()),
                        "00010401020304030a0b0c08000100010203040500"),
                Arguments.of(new Frame.SendCommit(g, m, Optional.of(m), m),
                        "00010501020304030a0b0c08000100010203040501080001000102030405080001000102030405"),
                Arguments.of(new Frame.SendCommit(g, m, Optional.empty(), m),
                        "00010501020304030a0b0c08000100010203040500080001000102030405"),
                Arguments.of(new Frame.SendProposal(g, m),
                        "00010601020304030a0b0c080001000102030405"),
                Arguments.of(new Frame.SendApplication(g, m),
                        "00010701020304030a0b0c080001000102030405"),
                Arguments.of(new Frame.AckGroup(g, 42),
                        "00010801020304030a0b0c000000000000002a"),
                Arguments.of(new Frame.AckMailbox(7),
                        "000109010203040000000000000007"),
                Arguments.of(new Frame.Resume(Optional.of(g), 3),
                        "00010a0102030401030a0b0c0000000000000003"),
                Arguments.of(new Frame.Resume(Optional.empty(), 0),
                        "00010a01020304000000000000000000"),
                Arguments.of(new Frame.FetchGroupInfo(g),
                        "00010b01020304030a0b0c"),
                Arguments.of(new Frame.FetchExternalSender(1),
                        "00010c010203040001"),
                Arguments.of(new Frame.Ok(12),
                        "00018001020304000000000000000c"),
                Arguments.of(new Frame.Error(ErrorCode.COMMIT_CONFLICT, 250, "epoch 3 already committed"),
                        "000181010203040018000000fa1965706f6368203320616c726561647920636f6d6d6974746564"),
                Arguments.of(new Frame.Deliver(g, Long.MAX_VALUE, m),
                        "00018201020304030a0b0c7fffffffffffffff080001000102030405"),
                Arguments.of(new Frame.WelcomeDelivery(1, g, 9, m),
                        "000183010203040000000000000001030a0b0c0000000000000009080001000102030405"),
                Arguments.of(new Frame.KeyPackages(List.of(new Frame.KeyPackageEntry("alice", "phone", m))),
                        "000184010203041505616c6963650570686f6e65080001000102030405"),
                Arguments.of(new Frame.GroupInfoResult(5, m, Bytes.ofHex("0102")),
                        "000185010203040000000000000005080001000102030405020102"),
                Arguments.of(new Frame.Reconnect(1000),
                        "00018601020304000003e8"),
                Arguments.of(new Frame.ExternalSenderResult(Bytes.wrap(new byte[] {1, 2, 3})),
                        "0001870102030403010203"),
                Arguments.of(new Frame.UploadBlob(g, Bytes.ofHex("0102"), 5, Bytes.ofHex("ff"),
                        new Frame.BlobUse.Attachment()),
                        "00011001020304030a0b0c020102000000000000000501ff01"),
                Arguments.of(new Frame.UploadChunk(Bytes.ofHex("0102"), 0, m, true),
                        "00011101020304020102000000000000000008000100010203040501"),
                Arguments.of(new Frame.FetchBlob(Bytes.ofHex("0102"), 16, 65536),
                        "000112010203040201020000000000000010" + "00010000"),
                Arguments.of(new Frame.UploadBlob(g, Bytes.ofHex("0102"), 5, Bytes.ofHex("ff"),
                        new Frame.BlobUse.History(3, 20_000, 7)),
                        "00011001020304030a0b0c020102000000000000000501ff02" + "0000000000000003" + "00004e20"
                                + "0000000000000007"),
                Arguments.of(new Frame.ListHistory(g, Optional.of("cardio"), 9),
                        "00011301020304030a0b0c010663617264696f" + "0000000000000009"),
                Arguments.of(new Frame.GrantHistory(g, "cardio", 19_990, 20_020, m),
                        "00011401020304030a0b0c0663617264696f" + "00004e16" + "00004e34" + "080001000102030405"),
                Arguments.of(new Frame.HistoryList(19_990, 20_020, List.of(new Frame.HistoryEntry(Bytes.ofHex("0102"),
                        3, 20_000, 7, 40, Bytes.ofHex("ff"))), true),
                        "00018901020304" + "00004e16" + "00004e34" + "21" + "020102" + "0000000000000003" + "00004e20"
                                + "0000000000000007" + "0000000000000028" + "01ff" + "01"),
                Arguments.of(new Frame.UploadBlob(g, Bytes.ofHex("0102"), 5, Bytes.ofHex("ff"),
                        new Frame.BlobUse.Record(List.of("gp"), List.of("ab"))),
                        "00011001020304030a0b0c020102000000000000000501ff03" + "03026770" + "03026162"),
                Arguments.of(new Frame.ListRecipients(g, Bytes.ofHex("0102")), "00011501020304030a0b0c020102"),
                Arguments.of(new Frame.ShareRecord(g, Bytes.ofHex("0102"), List.of("ab"), m),
                        "00011601020304030a0b0c020102" + "03026162" + "080001000102030405"),
                Arguments.of(new Frame.RecipientList(List.of("ab", "c")), "00018a01020304" + "050261620163"),
                Arguments.of(new Frame.BlobData(16, 24, m),
                        "00018801020304" + "0000000000000010" + "0000000000000018" + "080001000102030405"));
    }

    @ParameterizedTest
    @MethodSource("pinned")
    void encodesToThePinnedBytes(Frame frame, String hex) {
        byte[] expected = HexFormat.of().parseHex(hex);
        assertArrayEquals(expected, FrameCodec.encode(0x01020304L, frame));
        Envelope decoded = FrameCodec.decode(expected, 1 << 20);
        assertEquals(0x01020304L, decoded.requestId());
        assertEquals(frame, decoded.frame());
    }

    @Test
    void everyFrameTypeIsPinned() {
        assertEquals(FrameType.ALL.size(), pinned().map(a -> a.get()[0].getClass()).distinct().count());
    }

    @Test
    void theTableHoldsEveryFrameRecordOnceWithItsTag() throws ReflectiveOperationException {
        Set<Class<?>> records = new HashSet<>();
        List<Class<?>> open = new java.util.ArrayList<>(List.of(Frame.class.getPermittedSubclasses()));
        while (!open.isEmpty()) {
            Class<?> c = open.remove(open.size() - 1);
            if (c.isRecord()) {
                records.add(c);
            } else {
                open.addAll(List.of(c.getPermittedSubclasses())); // a direction, or a family of frames
            }
        }
        assertEquals(records, FrameType.ALL.stream().map(FrameType::type).collect(Collectors.toSet()));
        assertEquals(FrameType.ALL.size(), FrameType.ALL.stream().mapToInt(FrameType::tag).distinct().count());
        for (FrameType<?> t : FrameType.ALL) {
            assertEquals(t.type().getField("TAG").getInt(null), t.tag(), t.type().getSimpleName());
            assertEquals(t, FrameType.byTag(t.tag()).orElseThrow());
        }
    }

    @Test
    void retryHintsAreClampedToUint32() {
        assertEquals("000186ffffffff00000000",
                HexFormat.of().formatHex(FrameCodec.encode(0xFFFFFFFFL, new Frame.Reconnect(-5))));
        assertEquals("000181ffffffff0001ffffffff02c3a9", HexFormat.of().formatHex(
                FrameCodec.encode(0xFFFFFFFFL, new Frame.Error(ErrorCode.MALFORMED_FRAME, 1L << 40, "\u00e9"))));
        assertEquals(new Frame.Reconnect(0),
                FrameCodec.decode(HexFormat.of().parseHex("000186ffffffff00000000"), 64).frame());
    }

    @Test
    void anUnknownErrorCodeIsMalformed() {
        byte[] bytes = HexFormat.of().parseHex("00018101020304ffff0000000000");
        assertEquals(ErrorCode.MALFORMED_FRAME,
                assertThrows(RelayException.class, () -> FrameCodec.decode(bytes, 64)).code());
    }

    @Test
    void anUnknownBlobUseIsMalformed() {
        byte[] bytes = HexFormat.of().parseHex("00011001020304030a0b0c020102000000000000000501ff07");
        assertEquals(ErrorCode.MALFORMED_FRAME,
                assertThrows(RelayException.class, () -> FrameCodec.decode(bytes, 64)).code());
    }

    @Test
    void aFetchLengthIsAUint32() {
        assertThrows(IllegalArgumentException.class,
                () -> FrameCodec.encode(1, new Frame.FetchBlob(Bytes.ofHex("01"), 0, 1L << 32)));
    }

    @Test
    void anEmptyKeyPackageListIsOneByte() {
        assertEquals("000184ffffffff00",
                HexFormat.of().formatHex(FrameCodec.encode(0xFFFFFFFFL, new Frame.KeyPackages(List.of()))));
    }
}
