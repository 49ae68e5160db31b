package dev.ampoule.relay.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The records of the history rights and record recipients logs round-trip, and anything else does not decode. */
class RightsRecordTest {

    static final List<RightsRecord> RECORDS = List.of(
            new RightsRecord.Authorised("t-1", "cardio", HistoryRights.Access.SINCE, 20_000, "alice", 1_000),
            new RightsRecord.Authorised("t-1", "cardio", HistoryRights.Access.ALL, 0, "alice", 1_001),
            new RightsRecord.Revoked("t-1", "cardio", "relay", 1_002),
            new RightsRecord.Granted("t-1", "cardio", 19_990, 20_020, new DeviceId("alice", "desk"), 42, 1_003),
            new RightsRecord.Recipients("t-1", "gp", Bytes.ofHex("00112233445566778899aabbccddeeff"),
                    List.of("practitioner"), List.of("insurer", "nurse"), 1_004),
            new RightsRecord.Recipients("t-1", "alice", Bytes.ofHex("00112233445566778899aabbccddeeff"), List.of(),
                    List.of(), 1_005));

    @Test
    void roundTripsAndRefusesTruncationsAndTrailingBytes() {
        for (RightsRecord r : RECORDS) {
            byte[] b = r.encode();
            assertEquals(r, RightsRecord.decode(b));
            for (int n = 0; n < b.length; n++) {
                byte[] cut = Arrays.copyOf(b, n);
                assertThrows(DecodeException.class, () -> RightsRecord.decode(cut));
            }
            assertThrows(DecodeException.class, () -> RightsRecord.decode(Arrays.copyOf(b, b.length + 1)));
        }
        byte[] unknown = RECORDS.get(0).encode();
        unknown[0] = 9;
        assertThrows(DecodeException.class, () -> RightsRecord.decode(unknown));
    }
}
