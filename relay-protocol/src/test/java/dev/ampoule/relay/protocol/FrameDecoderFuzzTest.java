package dev.ampoule.relay.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.mls.group.FuzzGroups;
import dev.ampoule.mls.vectors.VectorSeeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code frame}: any bytes as a frame of {@value Frame#PROTOCOL}, as the relay reads
 * them from a device's WebSocket and the SDK from the relay's. Decoding fails only with a
 * {@link RelayException} of MALFORMED_FRAME, UNSUPPORTED_VERSION or FRAME_TOO_LARGE whose short
 * detail does not repeat the frame; a frame that decodes re-encodes to the same bytes and carries
 * the request id {@link FrameCodec#requestIdOf} reads. Seeds: a frame of every type, and frames
 * carrying the MLS messages of the official vectors and of a live group (made at test time);
 * {@code bin/fuzz --record-frames} adds the frames of real sessions through the relay.
 */
class FrameDecoderFuzzTest {

    private static final int MAX = 1 << 20;
    private static final Set<ErrorCode> DECODE_ERRORS = Set.of(ErrorCode.MALFORMED_FRAME,
            ErrorCode.UNSUPPORTED_VERSION, ErrorCode.FRAME_TOO_LARGE);

    static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        FrameCodecTest.frames().forEach(f -> out.add(FrameCodec.encode(7, f)));
        List<byte[]> mls = new ArrayList<>(VectorSeeds.spread(VectorSeeds.mlsMessages(), 6));
        mls.addAll(VectorSeeds.spread(FuzzGroups.create().messages, 6));
        Bytes group = Bytes.ofHex("6772702d31");
        for (byte[] m : mls) {
            Bytes b = Bytes.of(m);
            out.add(FrameCodec.encode(1, new Frame.PublishKeyPackages(List.of(b, b), false)));
            out.add(FrameCodec.encode(2, new Frame.CreateGroup(group, b, Optional.of(b))));
            out.add(FrameCodec.encode(3, new Frame.SendCommit(group, b, Optional.of(b), b)));
            out.add(FrameCodec.encode(4, new Frame.SendProposal(group, b)));
            out.add(FrameCodec.encode(5, new Frame.SendApplication(group, b)));
            out.add(FrameCodec.encode(0, new Frame.Deliver(group, 12, b)));
            out.add(FrameCodec.encode(0, new Frame.WelcomeDelivery(3, group, 12, b)));
            out.add(FrameCodec.encode(6, new Frame.KeyPackages(List.of(new Frame.KeyPackageEntry("dr-osei", "phone", b)))));
            out.add(FrameCodec.encode(7, new Frame.GroupInfoResult(12, b, b)));
        }
        return out;
    }

    @MethodSource("seeds")
    @FuzzTest
    void decode(byte[] data) {
        Envelope envelope;
        try {
            envelope = FrameCodec.decode(data, MAX);
        } catch (RelayException refused) {
            assertTrue(DECODE_ERRORS.contains(refused.code()), () -> "unexpected code " + refused.code());
            assertTrue(refused.detail().length() <= 160, "an error's detail is short and never echoes the frame");
            return;
        }
        assertArrayEquals(data, FrameCodec.encode(envelope), "a frame must re-encode to the bytes it was decoded from");
        assertEquals(envelope.requestId(), FrameCodec.requestIdOf(data));
        assertEquals(ErrorCode.FRAME_TOO_LARGE,
                assertThrows(RelayException.class, () -> FrameCodec.decode(data, data.length - 1)).code());
    }
}
