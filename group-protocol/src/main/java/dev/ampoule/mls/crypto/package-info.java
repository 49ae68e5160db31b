/**
 * Cipher suites (RFC 9420 §5.1, §17.1) as the {@link dev.ampoule.mls.crypto.CipherSuite} interface,
 * the labelled operations built on them (§5.1.2 SignWithLabel, §5.1.3 EncryptWithLabel, §5.2
 * RefHash, §8 ExpandWithLabel and DeriveSecret, §9 DeriveTreeSecret), key types and the
 * self-zeroing {@link dev.ampoule.mls.crypto.Secret}. The implementation lives in {@code crypto.bc}.
 */
package dev.ampoule.mls.crypto;
