package dev.ampoule.relay.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link BlobStore} contract, run against the file store and PostgreSQL (a real server,
 * {@link TestPostgres}): a finished blob and its metadata come back after a restart and read back
 * whole in any slicing; an unfinished upload, a finish that does not match the bytes written, and
 * a deleted blob leave nothing behind. Stores sharing PostgreSQL (relay instances of a cluster)
 * learn the blobs the others finished, each once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlobStoreContractTest {

    enum Kind {
        FILE, POSTGRESQL
    }

    static final Bytes GROUP = Bytes.ofHex("0102");
    static final DeviceId ALICE = new DeviceId("alice", "phone");

    @TempDir
    Path dir;

    private OnContext context;
    private PgConnectOptions database;
    private BlobStore open;

    @AfterEach
    void close() {
        if (open != null) {
            context.run(open::close);
        }
    }

    /** A store of the kind over the same durable place each time it is called in a test (the previous one closed). */
    private BlobStore reopen(Vertx vertx, Kind kind) {
        context = context == null ? new OnContext(vertx) : context;
        if (open != null) {
            context.run(open::close);
        }
        open = switch (kind) {
            case FILE -> new FileBlobStore(vertx, dir.resolve("blobs"), true);
            case POSTGRESQL -> {
                database = database == null ? TestPostgres.freshDatabase() : database;
                yield new PgBlobStore(vertx, database, 2);
            }
        };
        return open;
    }

    static Bytes id(int n) {
        byte[] b = new byte[16];
        b[15] = (byte) n;
        return Bytes.wrap(b);
    }

    static BlobMeta meta(Bytes id, long size) {
        return new BlobMeta(id, GROUP, BlobMeta.Kind.ATTACHMENT, size, Bytes.wrap(new byte[32]), ALICE, 1_000, 7, 0,
                20_000);
    }

    /** Writes {@code data} in chunks of {@code chunk} bytes. */
    private void write(BlobStore store, Bytes id, byte[] data, int chunk) {
        context.run(() -> store.begin(id));
        for (int off = 0; off < data.length; off += chunk) {
            int o = off;
            int n = Math.min(chunk, data.length - off);
            context.run(() -> store.append(id, o, Buffer.buffer(java.util.Arrays.copyOfRange(data, o, o + n))));
        }
    }

    /** Reads the whole blob in reads of at most {@code step} bytes, as a fetching device does. */
    private byte[] readAll(BlobStore store, Bytes id, int step) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            long at = out.size();
            Buffer b = context.run(() -> store.read(id, at, step));
            if (b.length() == 0) {
                return out.toByteArray();
            }
            assertTrue(b.length() <= step);
            out.writeBytes(b.getBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFinishedBlobComesBackAfterARestart(Kind kind, Vertx vertx) {
        byte[] data = new byte[2_500];
        new Random(1).nextBytes(data);
        BlobStore first = reopen(vertx, kind);
        assertEquals(List.of(), context.run(first::open));
        write(first, id(1), data, 1_000);
        context.run(() -> first.finish(meta(id(1), data.length)));

        BlobStore store = reopen(vertx, kind);
        List<BlobMeta> found = context.run(store::open);
        assertEquals(List.of(meta(id(1), data.length)), found);
        for (int step : new int[] {1_000, 300, 4_096, 7}) {
            assertArrayEquals(data, readAll(store, id(1), step), "reads of " + step);
        }
        BlobStore s = store;
        Buffer middle = context.run(() -> s.read(id(1), 1_500, 100));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1_500, 1_600), middle.getBytes());
        assertEquals(0, context.run(() -> s.read(id(1), 2_500, 100)).length(), "nothing past the end");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anUnfinishedUploadLeavesNothing(Kind kind, Vertx vertx) {
        BlobStore store = reopen(vertx, kind);
        context.run(store::open);
        write(store, id(2), new byte[700], 500);
        store = reopen(vertx, kind);
        assertEquals(List.of(), context.run(store::open));
        // the id can be used again from scratch
        byte[] data = new byte[300];
        new Random(2).nextBytes(data);
        write(store, id(2), data, 300);
        BlobStore s = store;
        context.run(() -> s.finish(meta(id(2), data.length)));
        assertArrayEquals(data, readAll(store, id(2), 1_000));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFinishOfAnotherSizeFailsAndAnAbortLeavesNothing(Kind kind, Vertx vertx) {
        BlobStore store = reopen(vertx, kind);
        context.run(store::open);
        write(store, id(3), new byte[400], 400);
        BlobStore s = store;
        assertNotNull(context.failure(() -> s.finish(meta(id(3), 401))));
        context.run(() -> s.abort(id(3)));
        assertEquals(List.of(), context.run(reopen(vertx, kind)::open));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aDeletedBlobIsGone(Kind kind, Vertx vertx) {
        BlobStore s = reopen(vertx, kind);
        context.run(s::open);
        write(s, id(4), new byte[10], 10);
        context.run(() -> s.finish(meta(id(4), 10)));
        write(s, id(5), new byte[20], 10);
        context.run(() -> s.finish(meta(id(5), 20)));
        context.run(() -> s.delete(id(4)));
        assertEquals(List.of(meta(id(5), 20)), context.run(reopen(vertx, kind)::open));
    }

    @Test
    void aRelayStartingOnSharedPostgresqlLeavesAnotherRelaysUploadAloneUntilItIsAbandoned(Vertx vertx) {
        BlobStore first = reopen(vertx, Kind.POSTGRESQL);
        context.run(first::open);
        byte[] data = new byte[600];
        new Random(9).nextBytes(data);
        write(first, id(9), java.util.Arrays.copyOf(data, 300), 300);
        write(first, id(10), new byte[100], 100);
        PgBlobStore second = new PgBlobStore(vertx, database, 2);
        try {
            assertEquals(List.of(), context.run(second::open));
            assertEquals(0, context.run(() -> second.dropAbandoned(java.time.Duration.ofMinutes(10))),
                    "uploads that received a chunk just now are not abandoned");
            // the first relay goes on with its upload after the second one started
            context.run(() -> first.append(id(9), 300, Buffer.buffer(java.util.Arrays.copyOfRange(data, 300, 600))));
            context.run(() -> first.finish(meta(id(9), 600)));
            assertArrayEquals(data, readAll(second, id(9), 1_000));
            // an upload nobody continues is dropped by the sweep, chunks and all
            assertEquals(1, context.run(() -> second.dropAbandoned(java.time.Duration.ZERO)));
            assertNotNull(context.failure(() -> first.finish(meta(id(10), 100))), "its upload is gone");
            assertEquals(List.of(meta(id(9), 600)), context.run(reopen(vertx, Kind.POSTGRESQL)::open));
        } finally {
            context.run(second::close);
        }
    }

    @Test
    void storesSharingPostgresqlLearnTheBlobsTheOthersFinished(Vertx vertx) {
        BlobStore first = reopen(vertx, Kind.POSTGRESQL);
        context.run(first::open);
        write(first, id(6), new byte[10], 10);
        context.run(() -> first.finish(meta(id(6), 10)));
        PgBlobStore second = new PgBlobStore(vertx, database, 2);
        try {
            assertEquals(List.of(meta(id(6), 10)), context.run(second::open));
            assertEquals(List.of(), context.run(second::finishedElsewhere), "what it opened with is not new");
            write(first, id(7), new byte[20], 10);
            context.run(() -> first.finish(meta(id(7), 20)));
            write(first, id(8), new byte[5], 5);
            assertEquals(List.of(meta(id(7), 20)), context.run(second::finishedElsewhere), "finished ones only");
            context.run(() -> first.finish(meta(id(8), 5)));
            assertEquals(List.of(meta(id(8), 5)), context.run(second::finishedElsewhere));
            assertEquals(List.of(), context.run(second::finishedElsewhere), "each once");
            assertEquals(List.of(), context.run(new FileBlobStore(vertx, dir.resolve("f"), true)::finishedElsewhere),
                    "a file store has one writer");
        } finally {
            context.run(second::close);
        }
    }
}
