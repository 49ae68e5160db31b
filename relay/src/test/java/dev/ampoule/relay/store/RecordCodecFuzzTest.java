package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.group.FuzzGroups;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code store-record}: any bytes as a record of the embedded store ({@link RecordCodec}),
 * as recovery reads them back from disk. Decoding fails only with a {@link DecodeException}; a
 * record that decodes re-encodes to the same bytes (so ids and texts are exactly what was stored).
 * Seeds: a record of every type, and message records carrying a live group's MLS messages.
 */
class RecordCodecFuzzTest {

    static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        RecordCodecTest.records().forEach(r -> out.add(RecordCodec.encode(r)));
        DeviceId device = new DeviceId("dr-osei", "phone");
        Bytes group = Bytes.ofHex("6772702d31");
        long seq = 1;
        for (byte[] m : FuzzGroups.create().messages) {
            GroupMessage message = new GroupMessage(group, seq, 1, MessageKind.PROPOSAL, 1_700_000_000_000L + seq,
                    Bytes.of(m));
            out.add(RecordCodec.encode(new StoreRecord.MessageAccepted(message, Bytes.ofHex("00ff"))));
            out.add(RecordCodec.encode(new StoreRecord.CommitAccepted(message, Bytes.of(m), Bytes.of(m), Bytes.of(m),
                    List.of(new StoreRecord.Joined(device, seq)), List.of(device))));
            seq++;
        }
        return out;
    }

    @MethodSource("seeds")
    @FuzzTest
    void decode(byte[] data) {
        decodes(data);
    }

    /** The seeds are worth mutating: each one decodes. */
    @Test
    void theSeedsDecode() {
        for (byte[] seed : seeds()) {
            assertTrue(decodes(seed));
        }
    }

    private static boolean decodes(byte[] data) {
        StoreRecord record;
        try {
            record = RecordCodec.decode(data);
        } catch (DecodeException refused) {
            return false;
        }
        assertArrayEquals(data, RecordCodec.encode(record), "a store record must re-encode to the bytes it was read from");
        if (record instanceof StoreRecord.MessageAccepted || record instanceof StoreRecord.CommitAccepted) {
            RecordCodec.messageOf(record);
        }
        return true;
    }
}
