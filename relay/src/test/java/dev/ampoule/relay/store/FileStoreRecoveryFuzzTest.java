package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.relay.log.FramedLog;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.OpenFiles;
import dev.ampoule.relay.support.ScratchDirs;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code store-recovery}: the embedded store opening a directory of segment files it
 * did not write — torn, corrupt, reordered, misnamed, or frames (with right CRCs) of anything. The
 * open never hangs; it fails only with a {@link StoreException}, and then holds no file open and has
 * changed nothing on disk; or it succeeds, and the store works: a record appended and the store
 * reopened, recovery gives the same records again plus that one, and closing releases every file.
 *
 * <p>The input is a little program that writes the directory: {@code 0 n} starts the segment file
 * named by {@link #NAMES}[n] (canonical segment names and others), {@code 1 len16 payload} appends a
 * frame of the payload, {@code 2 len8 bytes} raw bytes, {@code 3}/{@code 4} a checkpoint's begin/end
 * marker, {@code 5 i} the frame of a sample record. Seeds: the files of real stores (appends over
 * several segments, a compaction, a torn tail, an interrupted checkpoint), made at test time.
 */
class FileStoreRecoveryFuzzTest {

    private static final List<String> NAMES = List.of(SegmentLog.path(Path.of(""), 1).toString(),
            SegmentLog.path(Path.of(""), 2).toString(), SegmentLog.path(Path.of(""), 3).toString(),
            SegmentLog.path(Path.of(""), 4).toString(), SegmentLog.path(Path.of(""), 0).toString(),
            SegmentLog.path(Path.of(""), Long.MAX_VALUE).toString(), "1.log", "-2.log", "+3.log",
            "0000000000000000000x.log", "00000000000000000002.log.tmp", "99999999999999999999.log");
    private static final List<StoreRecord> RECORDS = RecordCodecTest.records().toList();
    private static final StoreRecord APPENDED = new StoreRecord.MailboxAcked(new DeviceId("dr-osei", "phone"), 77);
    private static final long SEGMENT_BYTES = 512;

    private static final Vertx VERTX = Vertx.vertx();
    private static final OnContext ON = new OnContext(VERTX);
    private static final Path BASE = ScratchDirs.create("ampoule-store-fuzz-");
    private static final AtomicLong RUNS = new AtomicLong();

    @AfterAll
    static void close() throws IOException {
        VERTX.close();
        ScratchDirs.delete(BASE);
    }

    static List<byte[]> seeds() throws IOException {
        List<byte[]> out = new ArrayList<>();
        Path dir = fresh();
        try {
            FileStore store = new FileStore(VERTX, dir, SEGMENT_BYTES, false, 0);
            ON.run(() -> store.open(r -> { }));
            for (StoreRecord r : RECORDS) {
                ON.run(() -> store.append(r));
            }
            out.add(program(dir));
            ON.run(() -> store.compact(() -> RECORDS.subList(5, 9)));
            ON.run(() -> store.append(APPENDED));
            out.add(program(dir));
            ON.run(store::close);
        } finally {
            ScratchDirs.delete(dir);
        }
        byte[] torn = FramedLog.frame(RecordCodec.encode(APPENDED));
        out.add(concat(out.get(0), new byte[] {2, (byte) (torn.length / 2)},
                java.util.Arrays.copyOf(torn, torn.length / 2)));
        out.add(concat(out.get(0), new byte[] {0, 2, 3, 5, 6, 5, 7}));
        out.add(concat(out.get(1), new byte[] {0, 4, 5, 1}));
        return out;
    }

    @MethodSource("seeds")
    @FuzzTest
    void recover(byte[] program) throws IOException {
        Path dir = fresh();
        try {
            write(dir, program);
            recoverOrRefuse(dir);
        } finally {
            ScratchDirs.delete(dir);
        }
    }

    /** The seeds are worth mutating: the stores they write open. */
    @Test
    void theSeedsOpen() throws IOException {
        for (byte[] seed : seeds()) {
            Path dir = fresh();
            try {
                write(dir, seed);
                assertTrue(recoverOrRefuse(dir));
            } finally {
                ScratchDirs.delete(dir);
            }
        }
    }

    /** Whether the store opened (and then behaved); false when it refused the directory cleanly. */
    private static boolean recoverOrRefuse(Path dir) {
        Map<Path, String> before = OpenFiles.snapshot(dir);
        List<StoreRecord> first = new ArrayList<>();
        FileStore store = new FileStore(VERTX, dir, SEGMENT_BYTES, false, 0);
        Throwable failure = ON.failure(() -> store.open(first::add));
        if (failure != null) {
            assertInstanceOf(StoreException.class, failure, () -> "recovery failed with " + failure);
            assertEquals(List.of(), OpenFiles.under(dir), "a failed recovery must close every file");
            assertEquals(before, OpenFiles.snapshot(dir), "a failed recovery must change nothing on disk");
            return false;
        }
        ON.run(() -> store.append(APPENDED));
        ON.run(store::close);
        assertEquals(List.of(), OpenFiles.under(dir), "a closed store must hold no file open");

        List<StoreRecord> second = new ArrayList<>();
        FileStore again = new FileStore(VERTX, dir, SEGMENT_BYTES, false, 0);
        ON.run(() -> again.open(second::add));
        List<StoreRecord> expected = new ArrayList<>(first);
        expected.add(APPENDED);
        assertEquals(expected, second, "recovery must give what the store held, and what it acknowledged since");
        ON.run(again::close);
        assertEquals(List.of(), OpenFiles.under(dir), "a closed store must hold no file open");
        return true;
    }

    /** Runs the program: writes the directory's files. */
    private static void write(Path dir, byte[] program) throws IOException {
        Map<String, ByteArrayOutputStream> files = new LinkedHashMap<>();
        ByteArrayOutputStream current = null;
        ByteBuffer in = ByteBuffer.wrap(program);
        while (in.hasRemaining()) {
            int op = (in.get() & 0xFF) % 6;
            if (op == 0) {
                if (!in.hasRemaining()) {
                    break;
                }
                current = files.computeIfAbsent(NAMES.get((in.get() & 0xFF) % NAMES.size()),
                        n -> new ByteArrayOutputStream());
                continue;
            }
            if (current == null) {
                current = files.computeIfAbsent(NAMES.get(0), n -> new ByteArrayOutputStream());
            }
            byte[] bytes = switch (op) {
                case 1 -> in.remaining() < 2 ? null : FramedLog.frame(take(in, in.getShort() & 0xFFFF));
                case 2 -> in.hasRemaining() ? take(in, in.get() & 0xFF) : null;
                case 3 -> FramedLog.frame(new byte[] {(byte) RecordCodec.CHECKPOINT_BEGIN});
                case 4 -> FramedLog.frame(new byte[] {(byte) RecordCodec.CHECKPOINT_END});
                default -> in.hasRemaining()
                        ? FramedLog.frame(RecordCodec.encode(RECORDS.get((in.get() & 0xFF) % RECORDS.size())))
                        : null;
            };
            if (bytes == null) {
                break;
            }
            current.write(bytes);
        }
        for (Map.Entry<String, ByteArrayOutputStream> f : files.entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue().toByteArray());
        }
    }

    /** The program that writes {@code dir}'s segments, frame by frame. */
    private static byte[] program(Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Path> segments;
        try (Stream<Path> s = Files.list(dir)) {
            segments = s.sorted().toList();
        }
        for (Path p : segments) {
            out.write(0);
            out.write(NAMES.indexOf(p.getFileName().toString()));
            try (FramedLog log = FramedLog.open(p, SegmentLog.MAX_RECORD)) {
                log.scan((offset, payload) -> {
                    out.write(1);
                    out.write(payload.length >> 8);
                    out.write(payload.length);
                    out.write(payload);
                });
            }
        }
        return out.toByteArray();
    }

    private static byte[] take(ByteBuffer in, int n) {
        byte[] b = new byte[Math.min(n, in.remaining())];
        in.get(b);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }


    private static Path fresh() throws IOException {
        return Files.createDirectory(BASE.resolve("run-" + RUNS.incrementAndGet()));
    }

}
