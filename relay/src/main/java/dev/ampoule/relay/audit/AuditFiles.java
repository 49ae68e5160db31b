package dev.ampoule.relay.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of an audit log directory: the active file {@value #ACTIVE} that entries are appended
 * to, the rotated files {@code audit-<first seq, 20 digits>.log} that were active before (closed,
 * never written again; named by the sequence number of their first entry, so that their names sort
 * in chain order), and the head {@value #HEAD}. The chain runs through the rotated files in order,
 * then the active file: each file's first entry records the hash of the last entry of the file
 * before ({@code prev}), so a file can be checked on its own from that recorded predecessor.
 */
final class AuditFiles {

    static final String ACTIVE = "audit.log";
    static final String HEAD = "audit.head";
    private static final Pattern ROTATED = Pattern.compile("audit-(\\d{20})\\.log");

    /** One file of the chain: the first sequence number its name claims (0 for the active file). */
    record Segment(Path path, long namedFirstSeq, boolean active) {

        String name() {
            return path.getFileName().toString();
        }
    }

    private AuditFiles() {
    }

    /** The name a file gets when it is rotated with its first entry {@code firstSeq}. */
    static String rotatedName(long firstSeq) {
        return String.format("audit-%020d.log", firstSeq);
    }

    /** The first sequence number a rotated file's name claims, if it is one. */
    static Optional<Long> rotatedFirstSeq(String fileName) {
        Matcher m = ROTATED.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The rotated files of {@code dir}, oldest first; the active file last when it exists. */
    static List<Segment> list(Path dir) throws IOException {
        List<Segment> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                rotatedFirstSeq(p.getFileName().toString()).ifPresent(seq -> out.add(new Segment(p, seq, false)));
            }
        }
        out.sort((a, b) -> Long.compare(a.namedFirstSeq(), b.namedFirstSeq()));
        Path active = dir.resolve(ACTIVE);
        if (Files.exists(active)) {
            out.add(new Segment(active, 0, true));
        }
        return out;
    }
}
