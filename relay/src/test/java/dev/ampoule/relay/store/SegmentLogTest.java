package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.relay.log.FaultyChannel;
import dev.ampoule.relay.log.FramedLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replaced segments are given back to the file system in steps, under a name recovery never reads as a segment. */
class SegmentLogTest {

    @TempDir
    Path dir;

    private long segment(long id, int frames) throws IOException {
        try (FramedLog log = SegmentLog.create(dir, id)) {
            for (int i = 0; i < frames; i++) {
                log.append(new byte[1_000], false);
            }
            log.force();
            return log.size();
        }
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aReleasedSegmentIsCutDownStepByStepThenDeleted() throws IOException {
        long first = segment(1, 10); // 10,080 bytes
        long second = segment(2, 3); // 3,024 bytes
        segment(3, 1);
        Map<String, FaultyChannel> opened = new ConcurrentHashMap<>();
        FramedLog.Channels recording = (file, options) -> {
            FaultyChannel ch = new FaultyChannel(FileChannel.open(file, options));
            opened.put(file.getFileName().toString(), ch);
            return ch;
        };

        SegmentLog.release(dir, List.of(1L, 2L), recording, 4_096);

        assertEquals(List.of(String.format("%020d.log", 3)), files(), "the replaced segments are gone, the other stays");
        assertEquals(List.of(first - 4_096, first - 8_192, 0L),
                opened.get(SegmentLog.releasedPath(dir, 1).getFileName().toString()).truncations);
        assertEquals(List.of(0L), opened.get(SegmentLog.releasedPath(dir, 2).getFileName().toString()).truncations,
                "a segment smaller than a step goes in one");
        assertEquals(10_080, first);
        assertEquals(3_024, second);
    }

    @Test
    void aFailedCutLeavesAReleasedFileThatIsNoSegmentAndIsRemovedLater() throws IOException {
        segment(1, 10);
        segment(2, 1);
        FramedLog.Channels failing = (file, options) -> {
            FaultyChannel ch = new FaultyChannel(FileChannel.open(file, options));
            ch.failTruncate = true;
            return ch;
        };

        assertThrows(IOException.class, () -> SegmentLog.release(dir, List.of(1L), failing, 4_096));

        assertEquals(List.of(2L), SegmentLog.list(dir), "the released segment is no segment any more");
        assertEquals(List.of(SegmentLog.releasedPath(dir, 1).getFileName()), SegmentLog.deleteAll(dir, SegmentLog.RELEASED_SUFFIX));
        assertEquals(List.of(String.format("%020d.log", 2)), files());
        assertFalse(Files.exists(SegmentLog.releasedPath(dir, 1)));
    }
}
