package dev.ampoule.relay.audit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The head file: the sequence number and hash of the last durable entry, {@code
 * {"seq":N,"hash":"<hex>"}} and a newline, replaced atomically after each batch (temp file,
 * fsync, rename, fsync of the directory). With it, removing entries from the end of the log is
 * detected too. An empty log has head {@code {"seq":0,"hash":"000…0"}}.
 */
record AuditHead(long seq, String hash) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    static final AuditHead EMPTY = new AuditHead(0, AuditLines.GENESIS);

    String toLine() {
        return new JsonObject().put("seq", seq).put("hash", hash).encode() + "\n";
    }

    /** The head in {@code file}, empty if there is none. */
    static Optional<AuditHead> read(Path file) throws IOException, AuditLines.MalformedEntry {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new AuditLines.MalformedEntry("the head file is not valid UTF-8");
        }
        try {
            JsonObject o = new JsonObject(text.strip());
            long seq = switch (o.getValue("seq")) {
                case Integer i -> i;
                case Long l -> l;
                case null, default -> -1L;
            };
            if (seq < 0 || !(o.getValue("hash") instanceof String h) || !HEX64.matcher(h).matches()
                    || o.size() != 2) {
                throw new AuditLines.MalformedEntry("the head file is not {\"seq\":N,\"hash\":\"<hex>\"}");
            }
            return Optional.of(new AuditHead(seq, h));
        } catch (DecodeException e) {
            throw new AuditLines.MalformedEntry("the head file is not valid JSON");
        }
    }

    /** Replaces {@code file} with this head atomically through {@code disk}; with {@code fsync}, durably. */
    void write(AuditDisk disk, Path file, boolean fsync) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = disk.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(toLine().getBytes(StandardCharsets.UTF_8));
            long pos = 0;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
            if (fsync) {
                ch.force(true);
            }
        }
        disk.move(tmp, file);
        if (fsync) {
            disk.syncDirectory(file.toAbsolutePath().getParent());
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory for fsync; the rename is still atomic there
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
                throw e;
            }
        }
    }
}
