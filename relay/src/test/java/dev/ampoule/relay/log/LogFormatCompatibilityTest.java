package dev.ampoule.relay.log;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.roster.FileRosterStore;
import dev.ampoule.relay.roster.RosterRecord;
import dev.ampoule.relay.store.FileStore;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data directories written before the stores shared {@link FramedLog} still open: the files under
 * {@code src/test/resources/log-compat} were written by the earlier store code (a roster log of five
 * batches; a message store of 54 records in 4 KiB segments). Both stores replay them, keep appending
 * to them, and write the same records to exactly the same bytes today.
 */
@ExtendWith(VertxExtension.class)
class LogFormatCompatibilityTest {

    private static final Bytes GROUP = Bytes.ofHex("0102");
    private static final DeviceId ALICE = new DeviceId("alice", "phone");

    @TempDir
    Path dir;

    static List<List<RosterRecord>> rosterBatches() {
        return List.of(
                List.of(new RosterRecord.TeamCreated("t-1", "st-mary", "Ward 3", Optional.of(Duration.ofDays(30)),
                        1_700_000_000_000L), new RosterRecord.MemberSet("t-1", "dr-osei", "coordinator")),
                List.of(new RosterRecord.MemberSet("t-1", "maria", "patient")),
                List.of(new RosterRecord.MemberSet("t-1", "lin", "pharmacist"),
                        new RosterRecord.RetentionSet("t-1", Optional.empty())),
                List.of(new RosterRecord.MemberRemoved("t-1", "lin")),
                List.of(new RosterRecord.TeamCreated("t-2", "st-mary", "Home care", Optional.empty(),
                        1_700_000_100_000L), new RosterRecord.TeamArchived("t-2"),
                        new RosterRecord.UserErased("maria")));
    }

    static GroupMessage message(long seq) {
        byte[] body = ("message " + seq + " ").repeat(8).getBytes(StandardCharsets.UTF_8);
        return new GroupMessage(GROUP, seq, 0, MessageKind.APPLICATION, 1_000 + seq, Bytes.wrap(body));
    }

    static List<StoreRecord> storeRecords() {
        List<StoreRecord> records = new ArrayList<>();
        records.add(new StoreRecord.KeyPackageAdded(ALICE, Bytes.ofHex("aa"), 1, Bytes.ofHex("0001"), false));
        records.add(new StoreRecord.GroupCreated(GROUP, ALICE, 0, Bytes.ofHex("61"), Bytes.ofHex("62"), 5));
        for (long s = 1; s <= 50; s++) {
            records.add(new StoreRecord.MessageAccepted(message(s)));
        }
        records.add(new StoreRecord.CursorMoved(ALICE, GROUP, 7));
        records.add(new StoreRecord.KeyPackageTaken(ALICE, Bytes.ofHex("aa")));
        return records;
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(LogFormatCompatibilityTest.class.getResource("/log-compat/" + name).toURI());
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anOldRosterLogReplaysAndGrows(Vertx vertx) throws Exception {
        Path roster = dir.resolve("roster");
        copyDirectory(fixture("roster"), roster);
        List<RosterRecord> expected = new ArrayList<>();
        rosterBatches().forEach(expected::addAll);

        FileRosterStore store = new FileRosterStore(vertx, roster, true);
        assertEquals(expected, await(store.load()));
        RosterRecord more = new RosterRecord.MemberSet("t-1", "nurse-ada", "practitioner");
        await(store.append(List.of(more)));
        await(store.close());
        expected.add(more);
        FileRosterStore again = new FileRosterStore(vertx, roster, true);
        assertEquals(expected, await(again.load()));
        await(again.close());
    }

    @Test
    void theRosterLogIsWrittenToTheSameBytes(Vertx vertx) throws Exception {
        Path roster = dir.resolve("roster");
        FileRosterStore store = new FileRosterStore(vertx, roster, true);
        await(store.load());
        for (List<RosterRecord> batch : rosterBatches()) {
            await(store.append(batch));
        }
        await(store.close());
        assertArrayEquals(Files.readAllBytes(fixture("roster").resolve(FileRosterStore.FILE_NAME)),
                Files.readAllBytes(roster.resolve(FileRosterStore.FILE_NAME)));
    }

    @Test
    void anOldMessageStoreReplaysServesAndGrows(Vertx vertx) throws Exception {
        Path storeDir = dir.resolve("store");
        copyDirectory(fixture("store"), storeDir);
        List<StoreRecord> expected = storeRecords();

        FileStore store = new FileStore(vertx, storeDir, 4096, true, 0);
        List<StoreRecord> replayed = new ArrayList<>();
        await(store.open(replayed::add));
        assertReplayed(expected, replayed);
        assertEquals(expected.stream().filter(r -> r instanceof StoreRecord.MessageAccepted).map(r -> message(
                ((StoreRecord.MessageAccepted) r).message().seq())).toList(), await(store.read(GROUP, 1, 100)));
        StoreRecord more = new StoreRecord.MessageAccepted(message(51));
        await(store.append(more));
        await(store.close());

        List<StoreRecord> again = new ArrayList<>();
        FileStore reopened = new FileStore(vertx, storeDir, 4096, true, 0);
        await(reopened.open(again::add));
        List<StoreRecord> grown = new ArrayList<>(expected);
        grown.add(more);
        assertReplayed(grown, again);
        assertEquals(message(51), await(reopened.read(GROUP, 51, 1)).get(0));
        await(reopened.close());
    }

    @Test
    void theMessageStoreIsWrittenToTheSameBytes(Vertx vertx) throws Exception {
        Path storeDir = dir.resolve("store");
        FileStore store = new FileStore(vertx, storeDir, 4096, true, 0);
        await(store.open(r -> { }));
        List<Future<Void>> appends = new ArrayList<>();
        storeRecords().forEach(r -> appends.add(store.append(r)));
        await(Future.all(appends));
        await(store.close());
        Path old = fixture("store");
        assertEquals(names(old), names(storeDir));
        for (String name : names(old)) {
            assertArrayEquals(Files.readAllBytes(old.resolve(name)), Files.readAllBytes(storeDir.resolve(name)), name);
        }
    }

    /** Replayed application messages carry no bytes (they are read from disk on demand). */
    private static void assertReplayed(List<StoreRecord> expected, List<StoreRecord> replayed) {
        assertEquals(expected.size(), replayed.size());
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i) instanceof StoreRecord.MessageAccepted m) {
                StoreRecord.MessageAccepted r = assertInstanceOf(StoreRecord.MessageAccepted.class, replayed.get(i));
                assertEquals(m.message().seq(), r.message().seq());
                assertEquals(Bytes.EMPTY, r.message().message());
            } else {
                assertEquals(expected.get(i), replayed.get(i));
            }
        }
    }
}
