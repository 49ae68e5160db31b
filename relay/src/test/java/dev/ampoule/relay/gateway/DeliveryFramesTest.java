package dev.ampoule.relay.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The Deliver frame of a group message is encoded once for all its recipients: the same message
 * gives the same buffer, whose bytes are the frame a recipient decodes; any other message is
 * encoded on its own, whatever slot it lands in; a large one is not kept.
 */
class DeliveryFramesTest {

    private static GroupMessage message(int seq) {
        return new GroupMessage(Bytes.ofHex("0a0b"), seq, 3, MessageKind.APPLICATION, 1_000 + seq,
                Bytes.wrap(("ciphertext " + seq).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aMessageIsEncodedOnceAndDecodesToItsDeliverFrame() {
        DeliveryFrames frames = new DeliveryFrames();
        GroupMessage m = message(7);
        Buffer first = frames.frame(m);
        assertSame(first, frames.frame(m), "the recipients share one encoding");
        assertArrayEquals(FrameCodec.encode(0, new Frame.Deliver(m.groupId(), 7, m.message())), first.getBytes());
        Envelope decoded = FrameCodec.decode(first.getBytes(), 1 << 20);
        assertEquals(new Envelope(0, new Frame.Deliver(m.groupId(), 7, m.message())), decoded);
    }

    @Test
    void aLargeMessageIsNotKept() {
        DeliveryFrames frames = new DeliveryFrames();
        GroupMessage large = new GroupMessage(Bytes.ofHex("0a0b"), 1, 3, MessageKind.APPLICATION, 1_000,
                Bytes.wrap(new byte[DeliveryFrames.MAX_KEPT_BYTES]));
        Buffer first = frames.frame(large);
        Buffer second = frames.frame(large);
        assertNotSame(first, second, "encoded for each recipient: the table holds no frame above the limit");
        assertArrayEquals(first.getBytes(), second.getBytes());
        assertEquals(new Envelope(0, new Frame.Deliver(large.groupId(), 1, large.message())),
                FrameCodec.decode(second.getBytes(), 1 << 20));
    }

    @Test
    void everyOtherMessageGetsItsOwnFrame() {
        DeliveryFrames frames = new DeliveryFrames();
        GroupMessage m = message(1);
        GroupMessage sameContent = message(1);
        assertNotSame(frames.frame(m), frames.frame(sameContent), "keyed by the message instance, not its content");
        assertArrayEquals(frames.frame(m).getBytes(), frames.frame(sameContent).getBytes());
        // more messages than slots: whichever share a slot, each gets its own bytes
        for (int seq = 1; seq <= 2_000; seq++) {
            GroupMessage other = message(seq);
            assertArrayEquals(FrameCodec.encode(0, new Frame.Deliver(other.groupId(), seq, other.message())),
                    frames.frame(other).getBytes(), "message " + seq);
        }
    }
}
