package dev.ampoule.relay.roster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.error.DecodeException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RosterCodecTest {

    private static final List<RosterRecord> ALL = List.of(
            new RosterRecord.TeamCreated("t-1", "h1", "Ward 3 — Süd", Optional.of(Duration.ofDays(30)), 1_700_000_000_000L),
            new RosterRecord.TeamCreated("t-2", "h1", "x", Optional.empty(), 0),
            new RosterRecord.TeamArchived("t-1"),
            new RosterRecord.RetentionSet("t-1", Optional.of(Duration.ofDays(3650))),
            new RosterRecord.RetentionSet("t-1", Optional.empty()),
            new RosterRecord.MemberSet("t-1", "alice", "coordinator"),
            new RosterRecord.MemberRemoved("t-1", "alice"),
            new RosterRecord.UserErased("alice"),
            new RosterRecord.UserOrg("alice", "h1"),
            new RosterRecord.UserOrg("dr.osei@example.org", "St Mary's — Nord"),
            new RosterRecord.ErasedUserOrg(Roster.erasedUserKey("alice"), "h1"),
            new RosterRecord.TeamCreator("t-1", "alice"));

    @Test
    void everyRecordRoundTrips() {
        for (RosterRecord r : ALL) {
            assertEquals(r, RosterCodec.decode(RosterCodec.encode(r)));
        }
        assertEquals(ALL, RosterCodec.decodeBatch(RosterCodec.encodeBatch(ALL)));
        assertEquals(List.of(), RosterCodec.decodeBatch(RosterCodec.encodeBatch(List.of())));
    }

    @Test
    void decodingIsStrict() {
        byte[] ok = RosterCodec.encode(ALL.get(5));
        assertThrows(DecodeException.class, () -> RosterCodec.decode(new byte[] {99}));
        assertThrows(DecodeException.class, () -> RosterCodec.decode(Arrays.copyOf(ok, ok.length + 1)));
        assertThrows(DecodeException.class, () -> RosterCodec.decode(Arrays.copyOf(ok, ok.length - 1)));
        assertThrows(DecodeException.class, () -> RosterCodec.decode(new byte[0]));
        // invalid UTF-8 in a string
        byte[] bad = RosterCodec.encode(new RosterRecord.UserErased("ab"));
        bad[bad.length - 1] = (byte) 0xC3;
        assertThrows(DecodeException.class, () -> RosterCodec.decode(bad));
        // a retention of zero seconds
        byte[] zero = RosterCodec.encode(new RosterRecord.RetentionSet("t", Optional.of(Duration.ofDays(1))));
        Arrays.fill(zero, zero.length - 8, zero.length, (byte) 0);
        assertThrows(DecodeException.class, () -> RosterCodec.decode(zero));
    }
}
