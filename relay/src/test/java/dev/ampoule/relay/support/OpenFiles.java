package dev.ampoule.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What this JVM holds open under a directory (Linux: the links of {@code /proc/self/fd}), and a
 * snapshot of a directory's files, for tests that a component releases its files and leaves them
 * unchanged when it fails.
 */
public final class OpenFiles {

    private OpenFiles() {
    }

    /** The files under {@code dir} that this JVM has open, one entry per descriptor. */
    public static List<Path> under(Path dir) {
        Path real = dir.toAbsolutePath().normalize();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.flatMap(fd -> {
                try {
                    return Stream.of(Files.readSymbolicLink(fd));
                } catch (IOException | UnsupportedOperationException gone) {
                    return Stream.empty(); // closed meanwhile, or the directory stream's own descriptor
                }
            }).filter(p -> p.startsWith(real)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every regular file under {@code dir} with its content. */
    public static Map<Path, String> snapshot(Path dir) {
        Map<Path, String> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p), java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
