package dev.ampoule.relay.gateway;

import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.store.GroupMessage;
import io.vertx.core.buffer.Buffer;

/**
 * The encoded {@link Frame.Deliver} of a group message, shared by its recipients: the frame is the
 * same bytes for every device of the group (request id 0, group, sequence number, message), and a
 * store hands the recipients of one fan-out the same {@link GroupMessage} instance, so it is
 * encoded once instead of once per recipient. A small direct-mapped table keyed by the message's
 * identity: a miss (another message in the slot, or a message read again from disk) just encodes
 * again. Vert.x writes a {@link Buffer} through a slice of it, so one buffer can go to many
 * connections. Only frames of at most {@value #MAX_KEPT_BYTES} bytes are kept, so the table holds
 * at most {@value #SLOTS} of them (4 MiB) whatever the relay's largest frame; a larger message is
 * encoded per recipient, as before, its socket writes costing far more than its encoding.
 * Event-loop confined.
 */
final class DeliveryFrames {

    /** Slots: more than the messages of one fan-out in flight at once (a read batch of a group). */
    static final int SLOTS = 256;
    /** The largest frame kept for the next recipient. */
    static final int MAX_KEPT_BYTES = 16 * 1024;

    private final GroupMessage[] messages = new GroupMessage[SLOTS];
    private final Buffer[] frames = new Buffer[SLOTS];

    /** The encoded Deliver frame of {@code m}. */
    Buffer frame(GroupMessage m) {
        int slot = System.identityHashCode(m) & (SLOTS - 1);
        if (messages[slot] == m) {
            return frames[slot];
        }
        Buffer frame = Buffer.buffer(FrameCodec.encode(0, new Frame.Deliver(m.groupId(), m.seq(), m.message())));
        if (frame.length() <= MAX_KEPT_BYTES) {
            messages[slot] = m;
            frames[slot] = frame;
        }
        return frame;
    }
}
