package dev.ampoule.relay.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.StoreRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailboxesTest {

    private static final DeviceId D = new DeviceId("alice", "phone");
    private static final Bytes G = Bytes.ofHex("01");

    @Test
    void cursorsOnlyMoveForward() {
        Mailboxes m = new Mailboxes();
        assertEquals(0, m.cursor(D, G));
        assertTrue(m.advance(D, G, 5));
        assertFalse(m.advance(D, G, 3));
        assertEquals(5, m.cursor(D, G));
        m.set(D, G, 2);
        assertEquals(2, m.cursor(D, G));
        m.forget(D, G);
        assertEquals(0, m.cursor(D, G));
    }

    @Test
    void mailboxEntriesUntilAcknowledgedOrExpired() {
        Mailboxes m = new Mailboxes();
        long s1 = m.reserve(D);
        long s2 = m.reserve(D);
        m.put(D, new Mailboxes.Entry(s1, G, 3, Bytes.ofHex("aa"), 100));
        m.put(D, new Mailboxes.Entry(s2, G, 9, Bytes.ofHex("bb"), 200));
        assertEquals(List.of(s1, s2), m.entries(D, 1, 10).stream().map(Mailboxes.Entry::mailboxSeq).toList());
        assertTrue(m.ack(D, s1));
        assertFalse(m.ack(D, s1));
        assertEquals(s2, m.firstRetained(D));
        assertEquals(1, m.expireBefore(300));
        assertEquals(List.of(), m.entries(D, 1, 10));
        assertEquals(s2 + 1, m.firstRetained(D));
        // a replayed entry already acknowledged is not resurrected
        m.put(D, new Mailboxes.Entry(s1, G, 3, Bytes.ofHex("aa"), 100));
        assertEquals(List.of(), m.entries(D, 1, 10));
        // the expired, unacknowledged entry's number is recorded as used: a restored mailbox never reuses it
        assertEquals(List.of(new StoreRecord.MailboxAcked(D, s2)), m.liveRecords());
        Mailboxes restored = new Mailboxes();
        restored.ack(D, s2);
        assertEquals(s2 + 1, restored.reserve(D));
    }
}
