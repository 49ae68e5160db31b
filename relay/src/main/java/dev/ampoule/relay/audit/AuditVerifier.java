package dev.ampoule.relay.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Verifies an audit log written by {@link FileAuditLog}: every line is a well-formed entry in
 * canonical form, sequence numbers run 1, 2, 3… with no gap, each {@code prev} is the previous
 * entry's {@code hash} (64 zeros for entry 1), each {@code hash} recomputes, and — when the head
 * file is there — the head's entry is in the log with the head's hash (so entries removed from
 * the end are detected). The first problem found is reported; reasons name sequence numbers and
 * fields, never an entry's contents.
 *
 * <p>An incomplete last line (no newline: a write interrupted by a crash) is not an entry: it is
 * reported as {@link Result#tornTail()} and ignored, unless the head says it was written, which
 * makes the chain broken. The relay cuts such a line off when it opens the log.
 *
 * <p>What this proves: nobody changed, removed, inserted or reordered entries without also
 * rewriting every later entry and the head. An unkeyed hash chain cannot stop someone with write
 * access from rewriting the whole file; keep copies of the head (e.g. in exports) to anchor it.
 */
public final class AuditVerifier {

    /**
     * What the verification found.
     *
     * @param ok the chain is intact
     * @param entries the entries checked and found good
     * @param badSeq the first bad entry's sequence number (as written in the line when it parses,
     *        else the one expected there; for entries missing at the end, the first missing one);
     *        0 when ok
     * @param badLine the line (1-based) of the first bad entry, or where the first missing entry
     *        should be; 0 when ok
     * @param reason why it is bad; empty when ok
     * @param tornTail the file ends with an incomplete line, ignored
     */
    public record Result(boolean ok, long entries, long badSeq, long badLine, String reason, boolean tornTail) {

        static Result good(long entries, boolean tornTail) {
            return new Result(true, entries, 0, 0, "", tornTail);
        }

        static Result bad(long entries, long badSeq, long badLine, String reason, boolean tornTail) {
            return new Result(false, entries, badSeq, badLine, reason, tornTail);
        }

        /** {@code audit chain OK: N entries} or {@code audit chain BROKEN at entry S (line L): reason}. */
        public String describe() {
            if (ok) {
                return "audit chain OK: " + entries + " entries"
                        + (tornTail ? " (an incomplete last line from an interrupted write was ignored)" : "");
            }
            return "audit chain BROKEN at entry " + badSeq + " (line " + badLine + "): " + reason;
        }
    }

    /** Sees each good entry with the byte offset of its line (used to build an index while verifying). */
    interface Visitor {
        void entry(AuditEntry entry, long offset);
    }

    private AuditVerifier() {
    }

    /** Verifies {@code logFile} and the head file beside it ({@code audit.head}) if there is one. */
    public static Result verify(Path logFile) throws IOException {
        return verify(logFile, Optional.of(logFile.resolveSibling(FileAuditLog.HEAD_FILE)));
    }

    /**
     * Verifies {@code logFile} against {@code headFile} if given and present.
     *
     * @throws NoSuchFileException if there is no log file and no head saying there should be one
     * @throws IOException if a file cannot be read
     */
    public static Result verify(Path logFile, Optional<Path> headFile) throws IOException {
        Optional<AuditHead> head;
        try {
            head = headFile.isPresent() ? AuditHead.read(headFile.get()) : Optional.empty();
        } catch (AuditLines.MalformedEntry e) {
            return Result.bad(0, 0, 0, e.getMessage(), false);
        }
        if (!Files.exists(logFile)) {
            if (head.isPresent() && head.get().seq() > 0) {
                return Result.bad(0, 1, 1, "the log file is missing but the head file records " + head.get().seq()
                        + " entries", false);
            }
            throw new NoSuchFileException(logFile.toString(), null, "no audit log");
        }
        return scan(logFile, head, (e, offset) -> { });
    }

    /** Reads and checks every line of {@code logFile}; {@code visitor} sees each good entry in order. */
    static Result scan(Path logFile, Optional<AuditHead> head, Visitor visitor) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        long expected = 1;
        String prevHash = AuditLines.GENESIS;
        long lineNo = 0;
        long offset = 0;
        byte[] buf = new byte[4096];
        int len = 0;
        boolean headSeen = head.isEmpty() || head.get().seq() == 0;
        byte[] chunk = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(logFile)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = chunk[i];
                    if (b != '\n') {
                        if (len == AuditLines.MAX_LINE_BYTES) {
                            return Result.bad(expected - 1, expected, lineNo + 1, "the line is longer than "
                                    + AuditLines.MAX_LINE_BYTES + " bytes", false);
                        }
                        if (len == buf.length) {
                            buf = Arrays.copyOf(buf, Math.min(buf.length * 2, AuditLines.MAX_LINE_BYTES));
                        }
                        buf[len++] = b;
                        continue;
                    }
                    lineNo++;
                    long lineOffset = offset;
                    offset += len + 1;
                    String line;
                    try {
                        line = decoder.decode(ByteBuffer.wrap(buf, 0, len)).toString();
                    } catch (CharacterCodingException e) {
                        return Result.bad(expected - 1, expected, lineNo, "the line is not valid UTF-8", false);
                    }
                    len = 0;
                    AuditEntry entry;
                    try {
                        entry = AuditLines.parse(line);
                    } catch (AuditLines.MalformedEntry e) {
                        return Result.bad(expected - 1, expected, lineNo, e.getMessage(), false);
                    }
                    long seq = entry.seq();
                    if (seq != expected) {
                        String why = seq > expected
                                ? "found entry " + seq + " where entry " + expected + " belongs: entry " + expected
                                        + " is missing or entries are out of order"
                                : "found entry " + seq + " again where entry " + expected
                                        + " belongs: entries are repeated or out of order";
                        return Result.bad(expected - 1, seq, lineNo, why, false);
                    }
                    if (!entry.prevHash().equals(prevHash)) {
                        return Result.bad(expected - 1, seq, lineNo, seq == 1 ? "prev of the first entry is not 64 zeros"
                                : "prev does not match the hash of entry " + (seq - 1), false);
                    }
                    try {
                        AuditLines.check(entry);
                    } catch (AuditLines.MalformedEntry e) {
                        return Result.bad(expected - 1, seq, lineNo, e.getMessage(), false);
                    }
                    if (head.isPresent() && head.get().seq() == seq) {
                        if (!head.get().hash().equals(entry.hash())) {
                            return Result.bad(expected - 1, seq, lineNo,
                                    "the head file's hash does not match entry " + seq, false);
                        }
                        headSeen = true;
                    }
                    visitor.entry(entry, lineOffset);
                    prevHash = entry.hash();
                    expected++;
                }
            }
        }
        long entries = expected - 1;
        boolean torn = len > 0;
        if (!headSeen) {
            AuditHead h = head.orElseThrow();
            return Result.bad(entries, entries + 1, lineNo + 1, "the head file records entry " + h.seq()
                    + " but the log ends " + (entries == 0 ? "before entry 1" : "at entry " + entries)
                    + ": entries were removed from the end" + (torn ? " (the last line is incomplete)" : ""), torn);
        }
        if (head.isPresent() && head.get().seq() == 0 && !head.get().hash().equals(AuditLines.GENESIS)) {
            return Result.bad(entries, 0, 0, "the head file records entry 0 with a hash other than 64 zeros", torn);
        }
        return Result.good(entries, torn);
    }
}
