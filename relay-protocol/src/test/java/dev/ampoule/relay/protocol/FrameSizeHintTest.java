package dev.ampoule.relay.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The encoder's first guess holds every frame that carries a large payload, so encoding one never grows its buffer. */
class FrameSizeHintTest {

    private static Bytes bytes(int n) {
        return Bytes.wrap(new byte[n]);
    }

    @Test
    void framesWithALargePayloadFitTheirHint() {
        Bytes group = bytes(32);
        for (int size : new int[] {0, 1_024, 70_000}) {
            List<Frame> frames = List.of(
                    new Frame.Deliver(group, Long.MAX_VALUE, bytes(size)),
                    new Frame.SendApplication(group, bytes(size)),
                    new Frame.SendProposal(group, bytes(size)),
                    new Frame.WelcomeDelivery(Long.MAX_VALUE, group, Long.MAX_VALUE, bytes(size)),
                    new Frame.BlobData(0, size, bytes(size)),
                    new Frame.UploadChunk(bytes(32), 0, bytes(size), true));
            for (Frame f : frames) {
                int encoded = FrameCodec.encode(Integer.MAX_VALUE, f).length;
                assertTrue(encoded <= FrameCodec.sizeHint(f), f.getClass().getSimpleName() + " of " + size + " bytes: "
                        + encoded + " encoded, hint " + FrameCodec.sizeHint(f));
                assertTrue(FrameCodec.sizeHint(f) - encoded <= 128, "the hint is no gross over-allocation");
            }
        }
    }

    @Test
    void aFrameWithoutAPayloadGetsTheSmallDefault() {
        assertEquals(128, FrameCodec.sizeHint(new Frame.Ok(7)));
    }
}
