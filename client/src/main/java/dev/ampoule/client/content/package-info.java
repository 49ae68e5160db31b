/**
 * The client's encrypted content formats: the streaming encryption of files and records
 * ({@link dev.ampoule.client.content.BlobCipher}, bounded memory, a fresh key per file) and its
 * keys ({@link dev.ampoule.client.content.ContentKey}). HISTORY.md describes the formats and their
 * security argument.
 */
package dev.ampoule.client.content;
