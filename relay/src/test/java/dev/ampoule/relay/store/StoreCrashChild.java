package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A separate process for {@link FileStoreCrashTest}: appends messages to a store as fast as it
 * can (many in flight), printing {@code ACK <seq>} once each is durable, until it is killed. With
 * {@code compact} as its second argument it first stores a live state of {@link #LIVE} KeyPackage
 * records and then compacts continuously as well (a checkpoint of that state and the retained
 * messages), printing {@code COMPACTING <n>} before and {@code COMPACTED <n>} after each.
 */
public final class StoreCrashChild {

    /** Live records of the compacting child (each about 330 bytes: a checkpoint of about 1.3 MB, five segments). */
    static final int LIVE = 4_000;

    private StoreCrashChild() {
    }

    static List<StoreRecord> liveState() {
        List<StoreRecord> live = new ArrayList<>(LIVE);
        for (int i = 0; i < LIVE; i++) {
            byte[] ref = new byte[32];
            ref[0] = (byte) (i >> 16);
            ref[1] = (byte) (i >> 8);
            ref[2] = (byte) i;
            live.add(new StoreRecord.KeyPackageAdded(new DeviceId("user" + i / 10, "d" + i % 10), Bytes.wrap(ref), 1,
                    Bytes.wrap(new byte[280]), false));
        }
        return live;
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        boolean compacting = args.length > 1 && args[1].equals("compact");
        Vertx vertx = Vertx.vertx();
        FileStore store = new FileStore(vertx, dir, 256 * 1024, true, 1 << 20);
        Bytes group = Bytes.ofHex("c0ffee");
        AtomicLong next = new AtomicLong(1);
        List<StoreRecord> live = liveState();
        vertx.runOnContext(v -> store.open(r -> {
            if (r instanceof StoreRecord.MessageAccepted m) {
                next.accumulateAndGet(m.message().seq() + 1, Math::max);
            }
        }).compose(x -> compacting ? Future.all(live.stream().map(store::append).toList()).mapEmpty()
                : Future.succeededFuture()).onSuccess(x -> {
            System.out.println("READY");
            System.out.flush();
            vertx.setPeriodic(1, id -> {
                for (int i = 0; i < 20; i++) {
                    long seq = next.getAndIncrement();
                    Future<Void> f = store.append(new StoreRecord.MessageAccepted(FileStoreTest.message(group, seq)));
                    f.onSuccess(ok -> {
                        System.out.println("ACK " + seq);
                        System.out.flush();
                    });
                }
            });
            if (compacting) {
                compactForever(vertx, store, live, new AtomicLong());
            }
        }));
    }

    private static void compactForever(Vertx vertx, FileStore store, List<StoreRecord> live, AtomicLong n) {
        long round = n.incrementAndGet();
        System.out.println("COMPACTING " + round);
        System.out.flush();
        store.compact(() -> live).onComplete(ar -> {
            System.out.println("COMPACTED " + round);
            System.out.flush();
            vertx.setTimer(5, id -> compactForever(vertx, store, live, n));
        });
    }
}
