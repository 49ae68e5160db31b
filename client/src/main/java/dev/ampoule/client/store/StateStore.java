package dev.ampoule.client.store;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where the client keeps its local state: named blobs, already encrypted by the client
 * ({@link EncryptedStateStore}) before they reach the store, so an implementation only ever sees
 * ciphertext. Names are short ASCII strings ({@code [A-Za-z0-9._-]}).
 *
 * <p>{@link #write} must be atomic: after a crash a reader sees either the old or the new blob,
 * never a mix. {@link FileStateStore} is the implementation for a directory on local disk; an app
 * may supply its own (a database, the platform's keystore-backed storage). Calls come from the
 * client's single state thread, one at a time. {@link EncryptedStateStore} keeps its state index
 * under the name {@value EncryptedStateStore#INDEX_NAME} in the same store.
 */
public interface StateStore {

    /** The blob stored under {@code name}, if any. */
    Optional<byte[]> read(String name) throws IOException;

    /** Replaces the blob under {@code name}, atomically and durably. */
    void write(String name, byte[] data) throws IOException;

    /** Removes the blob under {@code name} (no error if there is none). */
    void delete(String name) throws IOException;

    /** The names of every stored blob. */
    List<String> list() throws IOException;
}
