package dev.ampoule.relay.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrameCodecTest {

    private static final int MAX = 1 << 20;

    static Stream<Frame> frames() {
        Bytes g = Bytes.ofHex("0a0b0c");
        Bytes m = Bytes.ofHex("0001000102030405");
        return Stream.of(
                new Frame.Authenticate("eyJ.token.sig", "phone-1"),
                new Frame.PublishKeyPackages(List.of(m, Bytes.ofHex("ff")), false),
                new Frame.PublishKeyPackages(List.of(m), true),
                new Frame.PublishKeyPackages(List.of(), false),
                new Frame.ClaimKeyPackages("alice", Optional.of("laptop"), 1),
                new Frame.ClaimKeyPackages("bob", Optional.empty(), 0),
                new Frame.CreateGroup(g, m, Optional.of(Bytes.ofHex("00"))),
                new Frame.CreateGroup(g, m, Optional.empty()),
                new Frame.SendCommit(g, m, Optional.of(m), m),
                new Frame.SendCommit(g, m, Optional.empty(), m),
                new Frame.SendProposal(g, m),
                new Frame.SendApplication(g, m),
                new Frame.AckGroup(g, 42),
                new Frame.AckMailbox(7),
                new Frame.Resume(Optional.of(g), 3),
                new Frame.Resume(Optional.empty(), 0),
                new Frame.FetchGroupInfo(g),
                new Frame.FetchExternalSender(1),
                new Frame.Ok(12),
                new Frame.Error(ErrorCode.COMMIT_CONFLICT, 250, "epoch 3 already committed"),
                new Frame.Deliver(g, Long.MAX_VALUE, m),
                new Frame.WelcomeDelivery(1, g, 9, m),
                new Frame.KeyPackages(List.of(new Frame.KeyPackageEntry("alice", "phone", m))),
                new Frame.GroupInfoResult(5, m, Bytes.ofHex("0102")),
                new Frame.Reconnect(1000),
                new Frame.ExternalSenderResult(Bytes.wrap(new byte[] {1, 2, 3})),
                new Frame.UploadBlob(g, Bytes.ofHex("00112233445566778899aabbccddeeff"), 1L << 33, m,
                        new Frame.BlobUse.Attachment()),
                new Frame.UploadChunk(g, 1L << 20, m, false),
                new Frame.FetchBlob(g, 0, 0xFFFF_FFFFL),
                new Frame.BlobData(0, 0, Bytes.EMPTY),
                new Frame.UploadBlob(g, g, 1, m, new Frame.BlobUse.History(Long.MAX_VALUE, 0xFFFF_FFFFL, 1)),
                new Frame.ListHistory(g, Optional.empty(), 0),
                new Frame.GrantHistory(g, "u", 0, 0, m),
                new Frame.HistoryList(0, 0, List.of(), false),
                new Frame.UploadBlob(g, g, 1, m, new Frame.BlobUse.Record(List.of("practitioner"), List.of("u", "v"))),
                new Frame.UploadBlob(g, g, 1, m, new Frame.BlobUse.Record(List.of(), List.of())),
                new Frame.ListRecipients(g, m),
                new Frame.ShareRecord(g, m, List.of("u"), m),
                new Frame.RecipientList(List.of()),
                new Frame.RecipientList(List.of("insurer", "gp")));
    }

    @ParameterizedTest
    @MethodSource("frames")
    void roundTrips(Frame frame) {
        byte[] bytes = FrameCodec.encode(77, frame);
        Envelope back = FrameCodec.decode(bytes, MAX);
        assertEquals(77, back.requestId());
        assertEquals(frame, back.frame());
        assertArrayEquals(bytes, FrameCodec.encode(back));
        assertEquals(77, FrameCodec.requestIdOf(bytes));
    }

    @ParameterizedTest
    @MethodSource("frames")
    void everyTruncationIsMalformed(Frame frame) {
        byte[] bytes = FrameCodec.encode(1, frame);
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            RelayException e = assertThrows(RelayException.class, () -> FrameCodec.decode(cut, MAX));
            assertEquals(ErrorCode.MALFORMED_FRAME, e.code(), "cut at " + n);
        }
    }

    @ParameterizedTest
    @MethodSource("frames")
    void trailingBytesAreMalformed(Frame frame) {
        byte[] bytes = FrameCodec.encode(1, frame);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertEquals(ErrorCode.MALFORMED_FRAME,
                assertThrows(RelayException.class, () -> FrameCodec.decode(longer, MAX)).code());
    }

    @Test
    void headerLayoutIsFixed() {
        byte[] bytes = FrameCodec.encode(0x01020304L, new Frame.AckMailbox(5));
        assertArrayEquals(new byte[] {0, 1, 0x09, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 5}, bytes);
    }

    @Test
    void wrongVersionIsUnsupported() {
        byte[] bytes = FrameCodec.encode(1, new Frame.Ok(1));
        bytes[1] = 2;
        assertEquals(ErrorCode.UNSUPPORTED_VERSION,
                assertThrows(RelayException.class, () -> FrameCodec.decode(bytes, MAX)).code());
    }

    @Test
    void unknownFrameTypeIsMalformed() {
        byte[] bytes = FrameCodec.encode(1, new Frame.AckMailbox(1));
        bytes[2] = 0x7F;
        assertEquals(ErrorCode.MALFORMED_FRAME,
                assertThrows(RelayException.class, () -> FrameCodec.decode(bytes, MAX)).code());
    }

    @Test
    void oversizedFrameIsRefusedBeforeDecoding() {
        byte[] bytes = FrameCodec.encode(1, new Frame.SendApplication(Bytes.ofHex("01"), Bytes.wrap(new byte[5000])));
        assertEquals(ErrorCode.FRAME_TOO_LARGE,
                assertThrows(RelayException.class, () -> FrameCodec.decode(bytes, 4096)).code());
    }

    @Test
    void invalidBooleanAndUtf8AreMalformed() {
        byte[] kp = FrameCodec.encode(1, new Frame.PublishKeyPackages(List.of(), true));
        kp[kp.length - 1] = 2;
        assertEquals(ErrorCode.MALFORMED_FRAME, assertThrows(RelayException.class, () -> FrameCodec.decode(kp, MAX)).code());
        byte[] auth = FrameCodec.encode(1, new Frame.Authenticate("a", "b"));
        auth[auth.length - 1] = (byte) 0xC3; // a lone UTF-8 lead byte
        assertEquals(ErrorCode.MALFORMED_FRAME, assertThrows(RelayException.class, () -> FrameCodec.decode(auth, MAX)).code());
    }

    @Test
    void lengthBeyondFrameIsMalformedWithoutAllocating() {
        // AckGroup with a group_id length prefix claiming ~1 GiB.
        byte[] bytes = {0, 1, 0x08, 0, 0, 0, 1, (byte) 0xBF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        assertEquals(ErrorCode.MALFORMED_FRAME, assertThrows(RelayException.class, () -> FrameCodec.decode(bytes, MAX)).code());
    }

    @Test
    void randomGarbageNeverEscapesAsAnotherException() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            if (bytes.length >= 2) {
                bytes[0] = 0;
                bytes[1] = 1;
            }
            try {
                FrameCodec.decode(bytes, MAX);
            } catch (RelayException e) {
                assertEquals(true, e.code() == ErrorCode.MALFORMED_FRAME || e.code() == ErrorCode.UNSUPPORTED_VERSION);
            }
        }
    }

    @Test
    void errorCodesAreUniqueAndStable() {
        assertEquals(ErrorCode.values().length, Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::wire).distinct().count());
        assertEquals(1, ErrorCode.MALFORMED_FRAME.wire());
        assertEquals(24, ErrorCode.COMMIT_CONFLICT.wire());
        assertEquals(50, ErrorCode.INTERNAL.wire());
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(c, ErrorCode.byWire(c.wire()).orElseThrow());
        }
    }
}
