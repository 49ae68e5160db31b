package dev.ampoule.relay.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node events' codec: every event type survives encoding, {@code RightsChanged} carries its
 * position only, and a truncated or padded batch, or one with an unknown tag, is refused.
 */
class NodeEventTest {

    private static final DeviceId DEVICE = DeviceId.of("cardio", "tablet").orElseThrow();

    @Test
    void everyEventRoundTrips() {
        NodeEvent.Batch batch = new NodeEvent.Batch("node-1", List.of(
                new NodeEvent.GroupAdvanced(Bytes.ofHex("0a0b"), 7),
                new NodeEvent.GroupChanged(Bytes.ofHex("0a0b"), 3),
                new NodeEvent.AccessChanged(Bytes.ofHex("0c"), DEVICE),
                new NodeEvent.MailboxAdvanced(DEVICE),
                new NodeEvent.RosterChanged(12),
                new NodeEvent.DeviceKeysChanged(DEVICE),
                new NodeEvent.UserErased("erased-1"),
                new NodeEvent.RightsChanged(Long.MAX_VALUE),
                new NodeEvent.RightsChanged(1)));
        assertEquals(batch, NodeEvent.decode(NodeEvent.encode(batch)));
    }

    @Test
    void rightsChangedIsItsTagAndPositionOnly() {
        Buffer b = NodeEvent.encode(new NodeEvent.Batch("n", List.of(new NodeEvent.RightsChanged(0x0102030405060708L))));
        // version, origin (u16 length + 1 byte), count, tag, i64
        assertEquals(1 + 3 + 4 + 1 + 8, b.length());
        assertEquals(NodeEvent.RightsChanged.TAG, b.getUnsignedByte(8));
        assertEquals(0x0102030405060708L, b.getLong(9));
    }

    @Test
    void aDamagedBatchIsRefused() {
        Buffer good = NodeEvent.encode(new NodeEvent.Batch("n", List.of(new NodeEvent.RightsChanged(5))));
        for (int cut = 0; cut < good.length(); cut++) {
            Buffer truncated = good.getBuffer(0, cut);
            assertThrows(IllegalArgumentException.class, () -> NodeEvent.decode(truncated), "cut at " + cut);
        }
        Buffer padded = good.copy().appendByte((byte) 0);
        assertThrows(IllegalArgumentException.class, () -> NodeEvent.decode(padded));
        Buffer unknown = good.copy();
        unknown.setByte(8, (byte) 99);
        assertThrows(IllegalArgumentException.class, () -> NodeEvent.decode(unknown));
    }
}
