package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.client.content.ContentKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The application data of group messages: text as it always was, and the envelope of other content. */
class PayloadsTest {

    static final GroupId G = GroupId.ofTeam("t-1");

    @Test
    void textIsItsUtf8BytesBothWays() {
        byte[] data = Payloads.encode(new Content.Text("Blutdruck 128/82 — ok"));
        assertArrayEquals("Blutdruck 128/82 — ok".getBytes(StandardCharsets.UTF_8), data);
        assertEquals(new Content.Text("Blutdruck 128/82 — ok"), Payloads.decode(G, data));
        assertEquals(new Content.Text(""), Payloads.decode(G, new byte[0]));
    }

    @Test
    void binaryAndFilesRoundTrip() {
        Content.Binary b = new Content.Binary("application/fhir+json", Bytes.wrap(new byte[] {1, 2, 3}));
        assertEquals(b, Payloads.decode(G, Payloads.encode(b)));
        ContentKey key = ContentKey.random();
        Attachment a = new Attachment(G, Bytes.wrap(new byte[16]), "image/png", "ecg.png", 1_000, 1_037,
                Bytes.wrap(new byte[32]), key);
        Content.File back = assertInstanceOf(Content.File.class, Payloads.decode(G, Payloads.encode(new Content.File(a))));
        assertEquals(a.blobId(), back.attachment().blobId());
        assertEquals("ecg.png", back.attachment().name());
        assertEquals(1_037, back.attachment().blobSize());
        assertArrayEquals(key.reveal(), back.attachment().key().reveal());
    }

    @Test
    void malformedEnvelopesAreRefused() {
        byte[] good = Payloads.encode(new Content.Binary("text/csv", Bytes.wrap(new byte[] {9})));
        for (int n = 2; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThrows(DecodeException.class, () -> Payloads.decode(G, cut), "cut at " + n);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThrows(DecodeException.class, () -> Payloads.decode(G, longer));
        byte[] unknown = good.clone();
        unknown[3] = 99;
        assertThrows(DecodeException.class, () -> Payloads.decode(G, unknown));
        byte[] version = good.clone();
        version[2] = 2;
        assertThrows(DecodeException.class, () -> Payloads.decode(G, version));
        assertThrows(IllegalArgumentException.class,
                () -> Payloads.encode(new Content.Binary("x".repeat(300), Bytes.EMPTY)));
    }
}
