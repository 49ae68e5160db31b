package dev.ampoule.client;

import dev.ampoule.client.store.EncryptedStateStore;
import dev.ampoule.client.store.StateStore;
import dev.ampoule.client.support.Party;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A party's saved state read from outside while its client may be running: a read-only view of the
 * state directory (the files {@code FileStateStore} writes, {@code <name>.state}), so reading never
 * writes the state index behind the client's back. A read that falls between two of the client's
 * writes (a blob two versions ahead of the index read a moment before) is read again.
 */
final class SavedState {

    private static final int ATTEMPTS = 20;

    private SavedState() {
    }

    interface Read<T> {
        T from(EncryptedStateStore store) throws IOException;
    }

    static <T> T read(Party party, Read<T> read) {
        IOException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            try {
                return read.from(new EncryptedStateStore(new ReadOnly(party.stateDir), party.stateKey));
            } catch (IOException e) {
                last = e;
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // the client writes on
            }
        }
        throw new UncheckedIOException(last);
    }

    private record ReadOnly(Path dir) implements StateStore {

        @Override
        public Optional<byte[]> read(String name) throws IOException {
            try {
                return Optional.of(Files.readAllBytes(dir.resolve(name + ".state")));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }

        @Override
        public void write(String name, byte[] data) {
            // a reader leaves the client's files alone
        }

        @Override
        public void delete(String name) {
            // a reader leaves the client's files alone
        }

        @Override
        public List<String> list() {
            throw new UnsupportedOperationException("not needed to read one state");
        }
    }
}
