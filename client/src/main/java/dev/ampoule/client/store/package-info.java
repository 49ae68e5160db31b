/**
 * The client's local state at rest: {@link dev.ampoule.client.store.StateStore} (named blobs,
 * atomic writes; {@link dev.ampoule.client.store.FileStateStore} for a directory, files
 * owner-only from creation) and {@link dev.ampoule.client.store.EncryptedStateStore}, which seals
 * every blob with AES-GCM under the app's key before it reaches the store, binds its name and
 * version into the associated data, and refuses older copies with a sealed state index
 * ({@code StateIndex}) — its Javadoc states which rollbacks this covers and which it cannot.
 */
package dev.ampoule.client.store;
