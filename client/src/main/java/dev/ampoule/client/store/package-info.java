/**
 * The client's local state at rest: {@link dev.ampoule.client.store.StateStore} (named blobs,
 * atomic writes; {@link dev.ampoule.client.store.FileStateStore} for a directory) and
 * {@link dev.ampoule.client.store.EncryptedStateStore}, which seals every blob with AES-GCM under
 * the app's key before it reaches the store.
 */
package dev.ampoule.client.store;
