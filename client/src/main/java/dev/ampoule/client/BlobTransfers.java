package dev.ampoule.client;

import dev.ampoule.client.content.BlobCipher;
import dev.ampoule.client.content.ContentKey;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Moves encrypted blobs between this device and the relay, in bounded memory whatever their size:
 * an upload encrypts the plaintext chunk by chunk ({@link BlobCipher}) twice — once for the
 * SHA-256 the relay checks, once to send — so that nothing larger than a few chunks is ever held;
 * a download decrypts as the bytes arrive and writes each authentic chunk out. Chunks travel one
 * frame at a time, each answered before the next goes (so that after a dropped connection the
 * frame in flight is simply sent again). Each transfer runs on a virtual thread of its own and
 * waits for the relay's answers there; nothing here touches MLS state.
 */
final class BlobTransfers implements AutoCloseable {

    /** Encrypted chunks per UploadChunk frame (about 256 KiB). */
    static final int CHUNKS_PER_FRAME = 4;
    /** Bytes asked for per FetchBlob. */
    static final int FETCH_BYTES = 256 << 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The plaintext of an upload: a file, or bytes in memory. */
    interface Source {
        long size() throws IOException;

        InputStream open() throws IOException;

        static Source of(Path file) {
            return new Source() {
                @Override
                public long size() throws IOException {
                    return Files.size(file);
                }

                @Override
                public InputStream open() throws IOException {
                    return Files.newInputStream(file);
                }
            };
        }

        static Source of(byte[] data) {
            return new Source() {
                @Override
                public long size() {
                    return data.length;
                }

                @Override
                public InputStream open() {
                    return new ByteArrayInputStream(data);
                }
            };
        }
    }

    /** A stored blob: its id, the plaintext's size, its own size and SHA-256. */
    record Uploaded(Bytes blobId, long plainSize, long blobSize, Bytes digest) {
    }

    /** A stored blob to fetch: its id, size, SHA-256 and key. */
    record Stored(Bytes blobId, long blobSize, Bytes digest, ContentKey key) {
    }

    private final ClientEngine engine;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    BlobTransfers(ClientEngine engine) {
        this.engine = engine;
    }

    static Bytes newBlobId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return Bytes.wrap(id);
    }

    // ---- upload --------------------------------------------------------------------------------

    /** Encrypts {@code source} under {@code key} and stores it at the relay as a blob of the group. */
    CompletableFuture<Uploaded> upload(GroupId groupId, Source source, Frame.BlobUse use, ContentKey key) {
        return upload(groupId, source, use, key, newBlobId());
    }

    /** {@link #upload(GroupId, Source, Frame.BlobUse, ContentKey)} under a blob id chosen already. */
    CompletableFuture<Uploaded> upload(GroupId groupId, Source source, Frame.BlobUse use, ContentKey key, Bytes id) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                long size = source.size();
                Bytes digest = encrypt(source, key, size, (data, last) -> { });
                long blobSize = BlobCipher.encryptedSize(size);
                long held = ok(call(new Frame.UploadBlob(groupId.bytes(), id, blobSize, digest, use)));
                if (held != 0) {
                    throw new AmpouleException(AmpouleException.Reason.RELAY_ERROR, "a new blob id already has bytes");
                }
                long[] offset = {0};
                Bytes sent = encrypt(source, key, size, (data, last) -> {
                    long at = ok(call(new Frame.UploadChunk(id, offset[0], Bytes.wrap(data), last)));
                    offset[0] += data.length;
                    if (at != offset[0]) {
                        throw new AmpouleException(AmpouleException.Reason.RELAY_ERROR, "the relay holds " + at
                                + " bytes of the blob, " + offset[0] + " were sent");
                    }
                });
                if (!sent.equals(digest)) {
                    throw new AmpouleException(AmpouleException.Reason.INVALID_REQUEST, "the file changed during its upload");
                }
                return new Uploaded(id, size, blobSize, digest);
            } catch (IOException e) {
                throw new CompletionException(new AmpouleException(AmpouleException.Reason.STORAGE,
                        "cannot read the content to send: " + e.getMessage(), e));
            }
        }, threads);
    }

    /** Receives the encrypted frames of an upload, in order. */
    @FunctionalInterface
    private interface FrameSink {
        void accept(byte[] data, boolean last) throws IOException;
    }

    /**
     * Encrypts the source chunk by chunk, hands the encrypted bytes on a frame at a time, and
     * returns their SHA-256. A source that is not {@code size} bytes long fails.
     */
    private static Bytes encrypt(Source source, ContentKey key, long size, FrameSink sink) throws IOException {
        BlobCipher.Encryptor enc = new BlobCipher.Encryptor(key, size);
        MessageDigest sha = BlobCipher.sha256();
        byte[] plain = new byte[BlobCipher.CHUNK];
        ByteArrayOutputStream frame = new ByteArrayOutputStream(CHUNKS_PER_FRAME * (BlobCipher.CHUNK + BlobCipher.TAG) + 8);
        frame.write(enc.header());
        int inFrame = 0;
        long read = 0;
        try (InputStream in = source.open()) {
            while (!enc.done()) {
                boolean last = enc.nextIsLast();
                int want = (int) Math.min(BlobCipher.CHUNK, size - read);
                int n = in.readNBytes(plain, 0, want);
                if (n != want) {
                    throw new IOException("the content is shorter than " + size + " bytes");
                }
                read += n;
                frame.write(enc.seal(plain, 0, n));
                if (++inFrame == CHUNKS_PER_FRAME || last) {
                    byte[] data = frame.toByteArray();
                    sha.update(data);
                    sink.accept(data, last);
                    frame.reset();
                    inFrame = 0;
                }
            }
            if (in.read() >= 0) {
                throw new IOException("the content is longer than " + size + " bytes");
            }
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
        return Bytes.wrap(sha.digest());
    }

    // ---- download ------------------------------------------------------------------------------

    /**
     * Fetches a blob and writes its plaintext to {@code target} (replaced atomically once the whole
     * blob has decrypted and matched its digest; until then it goes to a temporary file beside it,
     * owner-only, deleted on any failure). The plaintext must be {@code plainSize} bytes. Completes
     * with that size.
     */
    CompletableFuture<Long> download(Stored blob, Path target, long plainSize) {
        return CompletableFuture.supplyAsync(() -> {
            Path dir = target.toAbsolutePath().getParent();
            Path tmp = null;
            try {
                tmp = Files.createTempFile(dir, ".ampoule-", ".part");
                long size;
                try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                    size = fetch(blob, out, plainSize);
                }
                if (size != plainSize) {
                    throw integrity("it is not the size its sender gave");
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
                return size;
            } catch (IOException e) {
                throw new CompletionException(new AmpouleException(AmpouleException.Reason.STORAGE,
                        "cannot write the file: " + e.getMessage(), e));
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException e) {
                        // the temporary file stays; it is owner-only
                    }
                }
            }
        }, threads);
    }

    /** Fetches a small blob (at most {@code maxPlain} bytes of plaintext) into memory; waits here (a virtual thread's call). */
    byte[] fetchBytes(Stored blob, long maxPlain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            fetch(blob, out, maxPlain);
        } catch (IOException e) {
            throw new AmpouleException(AmpouleException.Reason.STORAGE, e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** Runs {@code work} on a virtual thread of its own (it may wait for the relay there). */
    <T> CompletableFuture<T> run(java.util.concurrent.Callable<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (Exception e) {
                throw new CompletionException(ClientEngine.failure(e));
            }
        }, threads);
    }

    /** Fetches the blob frame by frame, decrypting into {@code out}; the plaintext size. */
    private long fetch(Stored blob, OutputStream out, long maxPlain) throws IOException {
        if (blob.blobSize() - BlobCipher.HEADER > maxPlain + BlobCipher.chunks(maxPlain) * BlobCipher.TAG) {
            throw integrity("the blob is larger than expected");
        }
        BlobCipher.Decryptor dec = new BlobCipher.Decryptor(blob.key(), blob.blobSize());
        long offset = 0;
        try {
            while (offset < blob.blobSize()) {
                Frame.RelayFrame answer = call(new Frame.FetchBlob(blob.blobId(), offset, FETCH_BYTES));
                if (!(answer instanceof Frame.BlobData data)) {
                    throw engine.ops.refusal(answer);
                }
                if (data.size() != blob.blobSize() || data.offset() != offset
                        || (data.data().isEmpty() && offset < blob.blobSize())) {
                    throw integrity("the relay's blob is not the size its sender gave");
                }
                dec.update(data.data().unsafeArray(), 0, data.data().length(), out);
                offset += data.data().length();
            }
            return dec.finish(blob.digest().unsafeArray(), out);
        } catch (BlobCipher.IntegrityException e) {
            throw integrity(e.getMessage());
        }
    }

    private static AmpouleException integrity(String why) {
        return new AmpouleException(AmpouleException.Reason.INTEGRITY, "the blob does not decrypt: " + why);
    }

    // ---- the relay's answers -------------------------------------------------------------------

    /** Sends a frame until the relay answers definitively (see {@link GroupOperations#sendDefinitive}); waits here. */
    Frame.RelayFrame call(Frame.ClientFrame frame) {
        try {
            return engine.ops.sendDefinitive(frame)
                    .get(engine.settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS).frame();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmpouleException(AmpouleException.Reason.CLOSED, "interrupted");
        } catch (ExecutionException e) {
            throw ClientEngine.failure(e);
        } catch (TimeoutException e) {
            throw new AmpouleException(AmpouleException.Reason.TIMEOUT, "the relay did not answer in time");
        }
    }

    private long ok(Frame.RelayFrame answer) {
        if (answer instanceof Frame.Ok ok) {
            return ok.seq();
        }
        throw engine.ops.refusal(answer);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
