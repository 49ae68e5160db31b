package dev.ampoule.relay.roster;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The embedded roster store: replay on open, torn tails, atomic batches, rewrite. */
@ExtendWith(VertxExtension.class)
class FileRosterStoreTest {

    @TempDir
    Path dir;

    private static final RosterRecord TEAM = new RosterRecord.TeamCreated("t-1", "h1", "Ward", Optional.empty(), 1L);
    private static final RosterRecord ALICE = new RosterRecord.MemberSet("t-1", "alice", "coordinator");
    private static final RosterRecord BOB = new RosterRecord.MemberSet("t-1", "bob", "patient");
    private static final RosterRecord BOB_OFF = new RosterRecord.MemberRemoved("t-1", "bob");

    private FileRosterStore open(Vertx vertx) {
        return new FileRosterStore(vertx, dir, true);
    }

    private Path file() {
        return dir.resolve(FileRosterStore.FILE_NAME);
    }

    @Test
    void recordsSurviveReopening(Vertx vertx) {
        FileRosterStore s = open(vertx);
        assertEquals(List.of(), await(s.load()));
        await(s.append(List.of(TEAM, ALICE)));
        await(s.append(List.of(BOB)));
        await(s.close());

        FileRosterStore again = open(vertx);
        assertEquals(List.of(TEAM, ALICE, BOB), await(again.load()));
        await(again.append(List.of(BOB_OFF)));
        await(again.close());
        FileRosterStore third = open(vertx);
        assertEquals(List.of(TEAM, ALICE, BOB, BOB_OFF), await(third.load()));
        await(third.close());
    }

    @Test
    void aTornTailIsDiscardedAndCutOff(Vertx vertx) throws IOException {
        FileRosterStore s = open(vertx);
        await(s.load());
        await(s.append(List.of(TEAM, ALICE)));
        await(s.close());
        long good = Files.size(file());
        // a crash in the middle of the next batch: its header and part of its payload
        byte[] next = RosterCodec.encodeBatch(List.of(BOB));
        ByteBuffer torn = ByteBuffer.allocate(8 + next.length / 2);
        torn.putInt(next.length).putInt(12345).put(next, 0, next.length / 2).flip();
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.APPEND)) {
            ch.write(torn);
        }

        FileRosterStore again = open(vertx);
        assertEquals(List.of(TEAM, ALICE), await(again.load()));
        assertEquals(good, Files.size(file()));
        await(again.append(List.of(BOB)));
        await(again.close());
        FileRosterStore third = open(vertx);
        assertEquals(List.of(TEAM, ALICE, BOB), await(third.load()));
        await(third.close());
    }

    @Test
    void aBatchSurvivesWholeOrNotAtAll(Vertx vertx) throws IOException {
        FileRosterStore s = open(vertx);
        await(s.load());
        await(s.append(List.of(TEAM)));
        long before = Files.size(file());
        await(s.append(List.of(ALICE, BOB, BOB_OFF)));
        await(s.close());
        long after = Files.size(file());
        for (long cut = before + 1; cut < after; cut += 3) {
            try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            FileRosterStore again = open(vertx);
            assertEquals(List.of(TEAM), await(again.load()));
            await(again.append(List.of(ALICE, BOB, BOB_OFF)));
            await(again.close());
            FileRosterStore whole = open(vertx);
            assertEquals(List.of(TEAM, ALICE, BOB, BOB_OFF), await(whole.load()));
            await(whole.close());
        }
    }

    @Test
    void aCorruptRecordEndsTheLog(Vertx vertx) throws IOException {
        FileRosterStore s = open(vertx);
        await(s.load());
        await(s.append(List.of(TEAM)));
        long first = Files.size(file());
        await(s.append(List.of(ALICE)));
        await(s.close());
        byte[] bytes = Files.readAllBytes(file());
        bytes[(int) first + 9] ^= 0x40;
        Files.write(file(), bytes);
        FileRosterStore again = open(vertx);
        assertEquals(List.of(TEAM), await(again.load()));
        await(again.close());
    }

    @Test
    void rewriteReplacesTheHistory(Vertx vertx) throws IOException {
        FileRosterStore s = open(vertx);
        await(s.load());
        await(s.append(List.of(TEAM, ALICE, BOB)));
        await(s.append(List.of(BOB_OFF)));
        await(s.rewrite(List.of(TEAM, ALICE)));
        await(s.append(List.of(new RosterRecord.TeamArchived("t-1"))));
        await(s.close());
        String raw = new String(Files.readAllBytes(file()), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(-1, raw.indexOf("bob"));
        FileRosterStore again = open(vertx);
        assertEquals(List.of(TEAM, ALICE, new RosterRecord.TeamArchived("t-1")), await(again.load()));
        await(again.close());
    }
}
