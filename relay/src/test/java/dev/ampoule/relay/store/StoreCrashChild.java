package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A separate process for {@link FileStoreCrashTest}: appends messages to a store as fast as it
 * can (many in flight), printing {@code ACK <seq>} once each is durable, until it is killed.
 */
public final class StoreCrashChild {

    private StoreCrashChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        Vertx vertx = Vertx.vertx();
        FileStore store = new FileStore(vertx, dir, 256 * 1024, true, 1 << 20);
        Bytes group = Bytes.ofHex("c0ffee");
        AtomicLong next = new AtomicLong(1);
        vertx.runOnContext(v -> store.open(r -> { }).onSuccess(x -> {
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
        }));
    }
}
