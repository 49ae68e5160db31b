/**
 * The cipher suites 1–7 on Bouncy Castle (HPKE per RFC 9180, EdDSA, ECDSA) and the JDK (SHA-2,
 * HMAC, HKDF, AES-GCM and ChaCha20-Poly1305, where the JDK is faster). Obtain suites from
 * {@link dev.ampoule.mls.crypto.bc.BcCipherSuites}.
 */
package dev.ampoule.mls.crypto.bc;
