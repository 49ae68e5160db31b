package dev.ampoule.relay.blob;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.log.FramedLog;
import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded blob store: one directory (the relay's {@code <dataDir>/blobs}), per blob a file of
 * its bytes and a file of its metadata, named by the blob id in hex:
 * <ul>
 *   <li>{@code <id>.part} while the upload runs (appended without fsync);</li>
 *   <li>at {@link #finish}: the part file is fsynced and renamed {@code <id>.blob}, then the
 *       metadata is written to {@code <id>.meta.tmp}, fsynced and renamed {@code <id>.meta}, and the
 *       directory synced — a blob exists once its {@code .meta} does;</li>
 *   <li>at {@link #open}: {@code .part} and {@code .tmp} files (a crash mid-upload), a {@code .blob}
 *       without its {@code .meta} (a crash mid-finish), and a {@code .meta} whose blob is missing
 *       or of another size are deleted.</li>
 * </ul>
 * Blocking I/O runs on a worker pool, never on an event loop.
 */
public final class FileBlobStore implements BlobStore {

    public static final String DIR_NAME = "blobs";
    private static final Logger LOG = LoggerFactory.getLogger(FileBlobStore.class);
    private static final int MAX_META_BYTES = 4096;

    private final Path dir;
    private final boolean fsync;
    private final WorkerExecutor worker;
    private final Map<Bytes, FileChannel> writing = new ConcurrentHashMap<>();

    /** A store in {@code dir} (created if missing); {@code fsync} false skips the fsyncs (throughput tests only). */
    public FileBlobStore(Vertx vertx, Path dir, boolean fsync) {
        this.dir = dir;
        this.fsync = fsync;
        this.worker = vertx.createSharedWorkerExecutor("ampoule-blob-store", 2);
    }

    private Path file(Bytes id, String suffix) {
        return dir.resolve(id.hex() + suffix);
    }

    @Override
    public Future<List<BlobMeta>> open() {
        return worker.executeBlocking(() -> {
            Files.createDirectories(dir);
            List<BlobMeta> found = new ArrayList<>();
            List<Path> leftovers = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path p : files) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(".meta")) {
                        readMeta(p).ifPresentOrElse(found::add, () -> leftovers.add(p));
                    } else if (name.endsWith(".part") || name.endsWith(".tmp")) {
                        leftovers.add(p);
                    }
                }
            }
            java.util.Set<String> kept = new java.util.HashSet<>();
            found.forEach(m -> kept.add(m.blobId().hex()));
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.blob")) {
                for (Path p : files) {
                    String name = p.getFileName().toString();
                    if (!kept.contains(name.substring(0, name.length() - ".blob".length()))) {
                        leftovers.add(p);
                    }
                }
            }
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
            if (!leftovers.isEmpty()) {
                LOG.info("blob store: removed {} files of unfinished uploads", leftovers.size());
                FramedLog.syncDirectory(dir);
            }
            return found;
        }, false);
    }

    /** The metadata of a finished blob, if its file and its bytes are whole. */
    private java.util.Optional<BlobMeta> readMeta(Path metaFile) throws IOException {
        if (Files.size(metaFile) > MAX_META_BYTES) {
            return java.util.Optional.empty();
        }
        BlobMeta meta;
        try {
            meta = BlobMeta.decode(Files.readAllBytes(metaFile));
        } catch (DecodeException e) {
            LOG.warn("blob store: unreadable metadata {}: {}", metaFile.getFileName(), e.getMessage());
            return java.util.Optional.empty();
        }
        Path blob = file(meta.blobId(), ".blob");
        if (!metaFile.getFileName().toString().equals(meta.blobId().hex() + ".meta") || !Files.exists(blob)
                || Files.size(blob) != meta.size()) {
            Files.deleteIfExists(blob);
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(meta);
    }

    @Override
    public Future<Void> begin(Bytes blobId) {
        return worker.executeBlocking(() -> {
            closeWriting(blobId);
            FileChannel ch = FileChannel.open(file(blobId, ".part"), StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            writing.put(blobId, ch);
            return null;
        }, false);
    }

    @Override
    public Future<Void> append(Bytes blobId, long offset, Buffer data) {
        return worker.executeBlocking(() -> {
            FileChannel ch = channel(blobId);
            if (ch.size() != offset) {
                throw new IOException("blob store: append at " + offset + " to " + ch.size() + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(data.getBytes());
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
            return null;
        }, false);
    }

    private FileChannel channel(Bytes blobId) throws IOException {
        FileChannel ch = writing.get(blobId);
        if (ch == null) {
            throw new IOException("blob store: no upload under that id");
        }
        return ch;
    }

    @Override
    public Future<Void> finish(BlobMeta meta) {
        return worker.executeBlocking(() -> {
            FileChannel ch = channel(meta.blobId());
            if (ch.size() != meta.size()) {
                throw new IOException("blob store: finishing " + ch.size() + " bytes as " + meta.size());
            }
            if (fsync) {
                ch.force(true);
            }
            closeWriting(meta.blobId());
            Files.move(file(meta.blobId(), ".part"), file(meta.blobId(), ".blob"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            Path tmp = file(meta.blobId(), ".meta.tmp");
            try (FileChannel m = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(meta.encode());
                while (b.hasRemaining()) {
                    m.write(b);
                }
                if (fsync) {
                    m.force(true);
                }
            }
            Files.move(tmp, file(meta.blobId(), ".meta"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            if (fsync) {
                FramedLog.syncDirectory(dir);
            }
            return null;
        }, false);
    }

    @Override
    public Future<Void> abort(Bytes blobId) {
        return worker.executeBlocking(() -> {
            closeWriting(blobId);
            Files.deleteIfExists(file(blobId, ".part"));
            return null;
        }, false);
    }

    @Override
    public Future<Buffer> read(Bytes blobId, long offset, int maxLength) {
        return worker.executeBlocking(() -> {
            try (FileChannel ch = FileChannel.open(file(blobId, ".blob"), StandardOpenOption.READ)) {
                long size = ch.size();
                int n = (int) Math.max(0, Math.min(maxLength, size - offset));
                ByteBuffer b = ByteBuffer.allocate(n);
                while (b.hasRemaining()) {
                    if (ch.read(b, offset + b.position()) < 0) {
                        break;
                    }
                }
                return Buffer.buffer(b.array()).slice(0, b.position());
            }
        }, false);
    }

    @Override
    public Future<Void> delete(Bytes blobId) {
        return worker.executeBlocking(() -> {
            closeWriting(blobId);
            // the metadata first: a blob without it is no blob, and is cleaned up at the next open
            Files.deleteIfExists(file(blobId, ".meta"));
            Files.deleteIfExists(file(blobId, ".blob"));
            Files.deleteIfExists(file(blobId, ".part"));
            return null;
        }, false);
    }

    private void closeWriting(Bytes blobId) throws IOException {
        FileChannel ch = writing.remove(blobId);
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public Future<Void> close() {
        return worker.<Void>executeBlocking(() -> {
            for (Bytes id : List.copyOf(writing.keySet())) {
                closeWriting(id);
            }
            return null;
        }, false).eventually(() -> worker.close());
    }
}
