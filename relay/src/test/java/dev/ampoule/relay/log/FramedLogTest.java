package dev.ampoule.relay.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.error.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The framing and crash rules of {@link FramedLog}, on real files. */
class FramedLogTest {

    private static final int MAX = 1024;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("test.log");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A frame read back by a scan. */
    private record Read(long offset, byte[] payload) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Read r && r.offset == offset && Arrays.equals(r.payload, payload);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return offset + ":" + new String(payload, StandardCharsets.UTF_8);
        }
    }

    private static List<Read> scanAll(FramedLog log) throws IOException {
        List<Read> out = new ArrayList<>();
        log.scan((offset, payload) -> out.add(new Read(offset, payload)));
        return out;
    }

    private static List<Read> reopenAndRead(Path file) throws IOException {
        try (FramedLog log = FramedLog.open(file, MAX)) {
            return scanAll(log);
        }
    }

    private static List<String> texts(Path file) throws IOException {
        return reopenAndRead(file).stream().map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList();
    }

    /** A log whose own file's channel fails on request; other files (the replacement) are real. */
    private FramedLog faulty(FaultyChannel[] holder) throws IOException {
        return FramedLog.open(file(), MAX, (f, options) -> {
            FileChannel real = FileChannel.open(f, options);
            if (!f.equals(file())) {
                return real;
            }
            holder[0] = new FaultyChannel(real);
            return holder[0];
        });
    }

    /**
     * With the disk taking only {@code writableBytes}, {@code write} fails and the file keeps the
     * size it had ({@code what}); then the disk takes everything again.
     */
    private void failsAndLeavesTheFile(FaultyChannel channel, FramedLog log, int writableBytes, Executable write,
            String what) throws IOException {
        long size = log.size();
        channel.writableBytes = writableBytes;
        assertThrows(IOException.class, write);
        assertEquals(size, Files.size(file()), what);
        channel.writableBytes = -1;
    }

    @Test
    void framesAreLengthCrcPayloadAndReadBackInOrder() throws IOException {
        List<Read> written = new ArrayList<>();
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            for (String s : List.of("first", "", "third record")) {
                written.add(new Read(log.append(utf8(s), true), utf8(s)));
            }
            assertEquals(Files.size(file()), log.size());
            assertEquals(List.of(0L, 13L, 21L), written.stream().map(Read::offset).toList());
            for (Read r : written) {
                assertArrayEquals(r.payload(), log.read(r.offset(), r.payload().length));
            }
        }
        assertEquals(written, reopenAndRead(file()));
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file()));
        CRC32C crc = new CRC32C();
        crc.update(utf8("first"));
        assertEquals(5, raw.getInt());
        assertEquals((int) crc.getValue(), raw.getInt());
        assertArrayEquals(utf8("first"), Arrays.copyOfRange(raw.array(), 8, 13));
        assertArrayEquals(FramedLog.frame(utf8("first")), Arrays.copyOf(raw.array(), 13));
    }

    @Test
    void everyTornTailIsCutToTheLastWholeFrame() throws IOException {
        long whole;
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            log.append(utf8("one"), true);
            log.append(utf8("two"), true);
            whole = log.size();
        }
        byte[] third = FramedLog.frame(utf8("three, torn by a crash"));
        for (int cut = 1; cut < third.length; cut++) {
            Files.write(file(), Arrays.copyOf(Files.readAllBytes(file()), (int) whole));
            try (FileChannel ch = FileChannel.open(file(), java.nio.file.StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap(third, 0, cut));
            }
            try (FramedLog log = FramedLog.open(file(), MAX)) {
                FramedLog.Scan scan = log.recover((o, p) -> { });
                assertEquals(new FramedLog.Scan(whole, whole + cut), scan);
                assertTrue(scan.torn());
                assertEquals(whole, Files.size(file()), "cut at " + cut);
                assertEquals(whole, log.size());
                log.append(utf8("after"), true);
            }
            assertEquals(List.of("one", "two", "after"), texts(file()), "cut at " + cut);
        }
    }

    @Test
    void aCorruptFrameEndsTheValidPrefix() throws IOException {
        long second;
        long third;
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            log.append(utf8("one"), true);
            second = log.append(utf8("two"), true);
            third = log.append(utf8("three"), true);
        }
        byte[] good = Files.readAllBytes(file());

        byte[] badCrc = good.clone();
        badCrc[(int) second + FramedLog.HEADER_BYTES] ^= 0x01;
        Files.write(file(), badCrc);
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            List<Read> read = new ArrayList<>();
            FramedLog.Scan scan = log.scan((o, p) -> read.add(new Read(o, p)));
            assertEquals(List.of(new Read(0, utf8("one"))), read);
            assertEquals(new FramedLog.Scan(second, good.length), scan);
            assertThrows(DecodeException.class, () -> log.read(second, 3));
            assertArrayEquals(utf8("three"), log.read(third, 5), "a scan stops; a read by location is checked alone");
            assertEquals(good.length, Files.size(file()), "a scan changes nothing");
        }

        byte[] badLength = good.clone();
        ByteBuffer.wrap(badLength).putInt((int) second, MAX + 1);
        Files.write(file(), badLength);
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            assertEquals(new FramedLog.Scan(second, good.length), log.recover((o, p) -> { }));
            assertEquals(second, Files.size(file()));
        }
    }

    @Test
    void aVisitorsFailureStopsTheScanAndCutsNothing() throws IOException {
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            log.append(utf8("unreadable"), true);
            log.append(utf8("next"), true);
            long size = log.size();
            IOException e = assertThrows(IOException.class, () -> log.recover((o, p) -> {
                throw new IOException("record at " + o + " cannot be read");
            }));
            assertEquals("record at 0 cannot be read", e.getMessage());
            assertEquals(size, Files.size(file()));
        }
    }

    @Test
    void aRecordOverTheLimitIsNeverWritten() throws IOException {
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            log.append(utf8("kept"), true);
            long size = log.size();
            assertThrows(IOException.class, () -> log.append(new byte[MAX + 1], true));
            assertEquals(size, Files.size(file()));
            log.append(new byte[MAX], true);
        }
        assertEquals(2, reopenAndRead(file()).size());
    }

    @Test
    void aFailedWriteIsCutBack() throws IOException {
        FaultyChannel[] channel = new FaultyChannel[1];
        try (FramedLog log = faulty(channel)) {
            log.append(utf8("before"), true);
            failsAndLeavesTheFile(channel[0], log, 5, () -> log.append(utf8("half written"), true),
                    "the partial frame is gone");
            log.append(utf8("after"), true);
        }
        assertEquals(List.of(new Read(0, utf8("before")), new Read(14, utf8("after"))), reopenAndRead(file()));
    }

    @Test
    void aBatchIsWrittenAsTheSameFramesInOneWrite() throws IOException {
        byte[] one;
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            for (String t : List.of("first", "", "third record")) {
                log.append(utf8(t), false);
            }
            one = Files.readAllBytes(file());
        }
        Files.delete(file());
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            long[] offsets = log.appendAll(List.of(utf8("first"), utf8(""), utf8("third record")));
            assertArrayEquals(new long[] {0, 13, 21}, offsets);
            assertEquals(Files.size(file()), log.size());
            long[] more = log.appendAll(List.of(utf8("fourth")));
            assertArrayEquals(new long[] {41}, more, "after the batch");
        }
        byte[] batched = Files.readAllBytes(file());
        assertArrayEquals(one, Arrays.copyOf(batched, one.length), "byte for byte the frames of append");
        assertEquals(List.of("first", "", "third record", "fourth"), texts(file()));
    }

    @Test
    void aBatchThatFailsLeavesNothingOfItself() throws IOException {
        FaultyChannel[] channel = new FaultyChannel[1];
        try (FramedLog log = faulty(channel)) {
            log.append(utf8("before"), true);
            long size = log.size();
            // the disk takes the first frame and part of the second
            failsAndLeavesTheFile(channel[0], log, 20, () -> log.appendAll(List.of(utf8("one"), utf8("two, half written"))),
                    "neither frame stays");
            assertThrows(IOException.class, () -> log.appendAll(List.of(utf8("fits"), new byte[MAX + 1])));
            assertEquals(size, Files.size(file()), "a batch with a record over the limit is not written at all");
            log.appendAll(List.of(utf8("after")));
        }
        assertEquals(List.of("before", "after"), texts(file()));
    }

    @Test
    void aFailedFsyncIsCutBack() throws IOException {
        FaultyChannel[] channel = new FaultyChannel[1];
        try (FramedLog log = faulty(channel)) {
            log.append(utf8("before"), true);
            long size = log.size();
            channel[0].forceFailures = 1;
            assertThrows(IOException.class, () -> log.append(utf8("not durable"), true));
            assertEquals(size, Files.size(file()), "a record whose fsync failed is not left behind");
            assertEquals(size, log.size());
            log.append(utf8("written, synced later"), false);
            channel[0].forceFailures = 1;
            assertThrows(IOException.class, log::force);
            log.force();
        }
        assertEquals(List.of("before", "written, synced later"), texts(file()));
    }

    @Test
    void aLogWhoseDiskKeepsFailingFsyncsRefusesAppends() throws IOException {
        FaultyChannel[] channel = new FaultyChannel[1];
        try (FramedLog log = faulty(channel)) {
            log.append(utf8("before"), true);
            channel[0].forceFailures = 2; // the append's fsync, then the fsync of cutting it back
            assertThrows(IOException.class, () -> log.append(utf8("not durable"), true));
            IOException refused = assertThrows(IOException.class, () -> log.append(utf8("refused"), true));
            assertTrue(refused.getMessage().contains("refuses appends"), refused.getMessage());
        }
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            log.recover((o, p) -> { });
            log.append(utf8("after"), true);
        }
        assertEquals(List.of("before", "after"), texts(file()));
    }

    @Test
    void aLogThatCannotCutBackRefusesAppendsUntilReopened() throws IOException {
        FaultyChannel[] channel = new FaultyChannel[1];
        long size;
        try (FramedLog log = faulty(channel)) {
            log.append(utf8("before"), true);
            size = log.size();
            channel[0].writableBytes = 3;
            channel[0].failTruncate = true;
            assertThrows(IOException.class, () -> log.append(utf8("torn"), true));
            assertEquals(size + 3, Files.size(file()), "the torn frame stays");
            channel[0].writableBytes = -1;
            channel[0].failTruncate = false;
            IOException refused = assertThrows(IOException.class, () -> log.append(utf8("refused"), true));
            assertTrue(refused.getMessage().contains("refuses appends"), refused.getMessage());
            assertEquals(size + 3, Files.size(file()));
        }
        try (FramedLog log = FramedLog.open(file(), MAX)) {
            assertEquals(new FramedLog.Scan(size, size + 3), log.recover((o, p) -> { }));
            log.append(utf8("after"), true);
        }
        assertEquals(List.of("before", "after"), texts(file()));
    }

    @Test
    void replaceSwapsTheWholeContentOrNothing() throws IOException {
        FramedLog log = FramedLog.open(file(), MAX);
        log.append(utf8("old one"), true);
        log.append(utf8("old two"), true);
        Path tmp = dir.resolve("test.log.tmp");
        Files.write(tmp, utf8("left behind by a crash during an earlier replacement"));
        FramedLog replaced = log.replace(List.of(utf8("new")));
        assertFalse(Files.exists(tmp));
        replaced.append(utf8("appended"), true);
        replaced.close();
        assertEquals(List.of("new", "appended"), texts(file()));

        // the new content cannot be written: the log is untouched and still in use
        FramedLog current = FramedLog.open(file(), MAX, (f, options) -> {
            FileChannel real = FileChannel.open(f, options);
            if (f.equals(tmp)) {
                FaultyChannel c = new FaultyChannel(real);
                c.writableBytes = 4;
                return c;
            }
            return real;
        });
        byte[] before = Files.readAllBytes(file());
        assertThrows(IOException.class, () -> current.replace(List.of(utf8("never"), utf8("whole"))));
        assertArrayEquals(before, Files.readAllBytes(file()));
        current.append(utf8("still appending"), true);
        current.close();
        assertEquals(List.of("new", "appended", "still appending"), texts(file()));

        FramedLog empty = FramedLog.open(file(), MAX).replace(List.of());
        assertEquals(0, empty.size());
        empty.close();
        assertEquals(0, Files.size(file()));
    }

    @Test
    void createMakesANewEmptyFileOnly() throws IOException {
        Path segment = dir.resolve("00000000000000000001.log");
        try (FramedLog log = FramedLog.create(segment, MAX)) {
            assertEquals(0, log.size());
            log.append(utf8("x"), true);
        }
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> FramedLog.create(segment, MAX));
        assertEquals(1, reopenAndRead(segment).size());
    }
}
