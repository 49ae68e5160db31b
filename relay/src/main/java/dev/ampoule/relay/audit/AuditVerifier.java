package dev.ampoule.relay.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Verifies an audit log written by {@link FileAuditLog}: every line is a well-formed entry in
 * canonical form, sequence numbers run 1, 2, 3… with no gap, each {@code prev} is the previous
 * entry's {@code hash} (64 zeros for entry 1), each {@code hash} recomputes, and — when the head
 * file is there — the head's entry is in the log with the head's hash (so entries removed from
 * the end are detected). The first problem found is reported; reasons name sequence numbers and
 * fields, never an entry's contents.
 *
 * <p>A log rotated across files ({@link AuditFiles}) is verified as one chain
 * ({@link #verifyDirectory}): the rotated files in order, then the active file; each file's name
 * must match its first entry, and each file's first entry must chain to the last entry of the
 * file before. A file missing in the middle breaks the chain. When the oldest files were removed
 * (retention), the chain can only be checked from the first remaining entry on, taking its
 * recorded predecessor hash ({@code prev}) as given: that is allowed only when asked
 * ({@code allowPruned}), and the result says from which entry the chain was checked.
 *
 * <p>An incomplete last line (no newline: a write interrupted by a crash) is not an entry: it is
 * reported as {@link Result#tornTail()} and ignored, unless the head says it was written, which
 * makes the chain broken. The relay cuts such a line off when it opens the log. Only the last file
 * of a chain may end so.
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
     * @param firstSeq the first entry checked (1 unless the oldest entries were pruned; 0 when none)
     * @param files the files the chain was read from
     * @param badSeq the first bad entry's sequence number (as written in the line when it parses,
     *        else the one expected there; for entries missing at the end, the first missing one);
     *        0 when ok
     * @param badFile the name of the file holding the first bad entry when the chain spans several
     *        files, else empty
     * @param badLine the line (1-based, in its file) of the first bad entry, or where the first
     *        missing entry should be; 0 when ok
     * @param reason why it is bad; empty when ok
     * @param tornTail the last file ends with an incomplete line, ignored
     */
    public record Result(boolean ok, long entries, long firstSeq, int files, long badSeq, String badFile, long badLine,
            String reason, boolean tornTail) {

        /**
         * {@code audit chain OK: N entries} (with the files and the first entry checked when that is
         * not entry 1) or {@code audit chain BROKEN at entry S (line L): reason} (with the file's name
         * before the line when the chain spans several files).
         */
        public String describe() {
            if (ok) {
                return "audit chain OK: " + entries + " entries"
                        + (files > 1 ? " in " + files + " files" : "")
                        + (firstSeq > 1 ? ", from entry " + firstSeq + " on (the entries before it were pruned; the"
                                + " chain was checked from entry " + firstSeq + "'s recorded predecessor hash)" : "")
                        + (tornTail ? " (an incomplete last line from an interrupted write was ignored)" : "");
            }
            return "audit chain BROKEN at entry " + badSeq + " (" + (badFile.isEmpty() ? "" : badFile + " ") + "line "
                    + badLine + "): " + reason;
        }
    }

    /**
     * Sees each good entry with its file, the byte offset of its line and the line's length without
     * its newline (the relay's index is built so).
     */
    interface Visitor {
        void entry(AuditEntry entry, Path file, long offset, int length);
    }

    /** Where the chain stands while files are read one after the other. */
    private static final class Chain {
        final Optional<AuditHead> head;
        final boolean allowPruned;
        final boolean nameFiles;
        /** The next entry's seq; 0 before the first entry when the chain may start anywhere. */
        long expected;
        String prevHash = AuditLines.GENESIS;
        long entries;
        long firstSeq;
        int files;
        boolean headSeen;
        boolean torn;
        /** The file being read and its line count so far (for reports). */
        String file = "";
        long lineNo;

        Chain(Optional<AuditHead> head, boolean allowPruned, boolean nameFiles) {
            this.head = head;
            this.allowPruned = allowPruned;
            this.nameFiles = nameFiles;
            this.expected = allowPruned ? 0 : 1;
            this.headSeen = head.isEmpty() || head.get().seq() == 0;
        }

        Result bad(long seq, long line, String reason) {
            return new Result(false, entries, firstSeq, files, seq, nameFiles ? file : "", line, reason, torn);
        }

        long expectedOrFirst() {
            return expected == 0 ? 1 : expected;
        }
    }

    private AuditVerifier() {
    }

    /** Verifies {@code logFile} and the head file beside it ({@code audit.head}) if there is one. */
    public static Result verify(Path logFile) throws IOException {
        return verify(logFile, Optional.of(logFile.resolveSibling(FileAuditLog.HEAD_FILE)));
    }

    /**
     * Verifies {@code logFile} against {@code headFile} if given and present; the chain must start at
     * entry 1.
     *
     * @throws NoSuchFileException if there is no log file and no head saying there should be one
     * @throws IOException if a file cannot be read
     */
    public static Result verify(Path logFile, Optional<Path> headFile) throws IOException {
        return verifyFile(logFile, headFile, false);
    }

    /**
     * Verifies one file on its own: the active file or a rotated one, or an export. With
     * {@code allowPruned} the chain may start at any entry (checked from that entry's recorded
     * predecessor). The head beside the file is used only for the active file ({@code audit.log}).
     */
    public static Result verifyFile(Path logFile, boolean allowPruned) throws IOException {
        boolean active = logFile.getFileName() != null && logFile.getFileName().toString().equals(AuditFiles.ACTIVE);
        return verifyFile(logFile, active ? Optional.of(logFile.resolveSibling(AuditFiles.HEAD)) : Optional.empty(),
                allowPruned);
    }

    private static Result verifyFile(Path logFile, Optional<Path> headFile, boolean allowPruned) throws IOException {
        Optional<AuditHead> head;
        try {
            head = headFile.isPresent() ? AuditHead.read(headFile.get()) : Optional.empty();
        } catch (AuditLines.MalformedEntry e) {
            return new Result(false, 0, 0, 0, 0, "", 0, e.getMessage(), false);
        }
        if (!Files.exists(logFile)) {
            if (head.isPresent() && head.get().seq() > 0) {
                return new Result(false, 0, 0, 0, 1, "", 1, "the log file is missing but the head file records "
                        + head.get().seq() + " entries", false);
            }
            throw new NoSuchFileException(logFile.toString(), null, "no audit log");
        }
        Chain chain = new Chain(head, allowPruned, false);
        return scanFile(logFile, Optional.empty(), true, chain, (e, f, offset, length) -> { })
                .orElseGet(() -> finish(chain));
    }

    /**
     * Verifies the whole chain of an audit log directory ({@code <dataDir>/audit}): every rotated
     * file and the active one, against the head.
     *
     * @param allowPruned accept a chain whose oldest files were removed: it is checked from the first
     *        remaining entry's recorded predecessor hash
     * @throws NoSuchFileException if the directory holds no log file and no head
     */
    public static Result verifyDirectory(Path auditDir, boolean allowPruned) throws IOException {
        Optional<AuditHead> head;
        try {
            head = AuditHead.read(auditDir.resolve(AuditFiles.HEAD));
        } catch (AuditLines.MalformedEntry e) {
            return new Result(false, 0, 0, 0, 0, "", 0, e.getMessage(), false);
        }
        List<AuditFiles.Segment> segments = AuditFiles.list(auditDir);
        if (segments.isEmpty()) {
            if (head.isPresent() && head.get().seq() > 0) {
                return new Result(false, 0, 0, 0, 1, "", 1, "the log files are missing but the head file records "
                        + head.get().seq() + " entries", false);
            }
            throw new NoSuchFileException(auditDir.resolve(AuditFiles.ACTIVE).toString(), null, "no audit log");
        }
        return scan(segments, head, allowPruned, (e, f, offset, length) -> { });
    }

    /** Reads and checks every file of the chain in order; {@code visitor} sees each good entry. */
    static Result scan(List<AuditFiles.Segment> segments, Optional<AuditHead> head, boolean allowPruned,
            Visitor visitor) throws IOException {
        Chain chain = new Chain(head, allowPruned, segments.size() > 1);
        for (int i = 0; i < segments.size(); i++) {
            AuditFiles.Segment s = segments.get(i);
            Optional<Result> bad = scanFile(s.path(), s.active() ? Optional.empty() : Optional.of(s.namedFirstSeq()),
                    i == segments.size() - 1, chain, visitor);
            if (bad.isPresent()) {
                return bad.get();
            }
        }
        return finish(chain);
    }

    private static Result finish(Chain chain) {
        if (!chain.headSeen) {
            AuditHead h = chain.head.orElseThrow();
            long next = chain.expectedOrFirst();
            return chain.bad(next, chain.lineNo + 1, "the head file records entry " + h.seq() + " but the log ends "
                    + (chain.entries == 0 ? "before any entry" : "at entry " + (next - 1))
                    + (chain.entries > 0 && h.seq() < chain.firstSeq ? ", which is before the first remaining entry"
                            : ": entries were removed from the end")
                    + (chain.torn ? " (the last line is incomplete)" : ""));
        }
        if (chain.head.isPresent() && chain.head.get().seq() == 0 && !chain.head.get().hash().equals(AuditLines.GENESIS)) {
            return chain.bad(0, 0, "the head file records entry 0 with a hash other than 64 zeros");
        }
        return new Result(true, chain.entries, chain.firstSeq, chain.files, 0, "", 0, "", chain.torn);
    }

    /**
     * Checks the lines of one file, continuing {@code chain}; a bad result if one is found.
     *
     * @param namedFirstSeq the first sequence number the file's name claims (rotated files)
     * @param last whether this is the chain's last file (only that one may end with a torn line)
     */
    private static Optional<Result> scanFile(Path file, Optional<Long> namedFirstSeq, boolean last, Chain chain,
            Visitor visitor) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        chain.file = file.getFileName().toString();
        chain.files++;
        chain.lineNo = 0;
        long offset = 0;
        byte[] buf = new byte[4096];
        int len = 0;
        byte[] chunk = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = chunk[i];
                    if (b != '\n') {
                        if (len == AuditLines.MAX_LINE_BYTES) {
                            return Optional.of(chain.bad(chain.expectedOrFirst(), chain.lineNo + 1,
                                    "the line is longer than " + AuditLines.MAX_LINE_BYTES + " bytes"));
                        }
                        if (len == buf.length) {
                            buf = Arrays.copyOf(buf, Math.min(buf.length * 2, AuditLines.MAX_LINE_BYTES));
                        }
                        buf[len++] = b;
                        continue;
                    }
                    chain.lineNo++;
                    long lineOffset = offset;
                    offset += len + 1;
                    String line;
                    try {
                        line = decoder.decode(ByteBuffer.wrap(buf, 0, len)).toString();
                    } catch (CharacterCodingException e) {
                        return Optional.of(chain.bad(chain.expectedOrFirst(), chain.lineNo, "the line is not valid UTF-8"));
                    }
                    int lineLength = len;
                    len = 0;
                    Optional<Result> bad = entry(line, namedFirstSeq, chain, file, lineOffset, lineLength, visitor);
                    if (bad.isPresent()) {
                        return bad;
                    }
                }
            }
        }
        if (len > 0) {
            if (!last) {
                return Optional.of(chain.bad(chain.expectedOrFirst(), chain.lineNo + 1,
                        "a rotated file ends with an incomplete line"));
            }
            chain.torn = true;
        }
        if (chain.lineNo == 0 && namedFirstSeq.isPresent()) {
            return Optional.of(chain.bad(namedFirstSeq.get(), 1, "the rotated file holds no entry"));
        }
        return Optional.empty();
    }

    /** Checks one complete line against the chain and advances it. */
    private static Optional<Result> entry(String line, Optional<Long> namedFirstSeq, Chain chain, Path file,
            long lineOffset, int lineLength, Visitor visitor) {
        long lineNo = chain.lineNo;
        AuditEntry entry;
        try {
            entry = AuditLines.parse(line);
        } catch (AuditLines.MalformedEntry e) {
            return Optional.of(chain.bad(chain.expectedOrFirst(), lineNo, e.getMessage()));
        }
        long seq = entry.seq();
        if (lineNo == 1 && namedFirstSeq.isPresent() && namedFirstSeq.get() != seq) {
            return Optional.of(chain.bad(seq, lineNo, "the file's name says its first entry is " + namedFirstSeq.get()
                    + " but it starts with entry " + seq));
        }
        if (chain.expected == 0) {
            // the first remaining entry of a pruned chain: its recorded predecessor is taken as given
            chain.expected = seq;
            chain.prevHash = entry.prevHash();
        }
        if (seq != chain.expected) {
            String why;
            if (chain.entries == 0 && chain.expected == 1 && seq > 1) {
                why = "the chain starts at entry " + seq + ": entries 1 to " + (seq - 1) + " are missing (if the"
                        + " oldest files were removed by retention, verify with --allow-pruned)";
            } else if (seq > chain.expected) {
                why = "found entry " + seq + " where entry " + chain.expected + " belongs: entry " + chain.expected
                        + " is missing or entries are out of order" + (lineNo == 1 && chain.entries > 0
                                ? " (a file of the chain is missing)" : "");
            } else {
                why = "found entry " + seq + " again where entry " + chain.expected
                        + " belongs: entries are repeated or out of order";
            }
            return Optional.of(chain.bad(seq, lineNo, why));
        }
        if (!entry.prevHash().equals(chain.prevHash)) {
            return Optional.of(chain.bad(seq, lineNo, seq == 1 ? "prev of the first entry is not 64 zeros"
                    : "prev does not match the hash of entry " + (seq - 1)));
        }
        try {
            AuditLines.check(entry);
        } catch (AuditLines.MalformedEntry e) {
            return Optional.of(chain.bad(seq, lineNo, e.getMessage()));
        }
        if (chain.head.isPresent() && chain.head.get().seq() == seq) {
            if (!chain.head.get().hash().equals(entry.hash())) {
                return Optional.of(chain.bad(seq, lineNo, "the head file's hash does not match entry " + seq));
            }
            chain.headSeen = true;
        }
        visitor.entry(entry, file, lineOffset, lineLength);
        if (chain.entries == 0) {
            chain.firstSeq = seq;
        }
        chain.entries++;
        chain.prevHash = entry.hash();
        chain.expected++;
        return Optional.empty();
    }
}
