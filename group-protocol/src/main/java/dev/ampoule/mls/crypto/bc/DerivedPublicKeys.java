package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.SignaturePrivateKey;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.UnaryOperator;

/**
 * The EdDSA public keys derived from private key objects, kept for as long as each private key
 * object is reachable.
 *
 * <p>Why: an EdDSA signature hashes the public key A with the message (RFC 8032 §5.1.6 step 4), and
 * deriving A from the seed is a base-point multiplication, about as costly as the rest of the
 * signature. Deriving it once per key object instead of once per signature halves the cost of
 * signing (see BENCHMARKS.md, "Signing").
 *
 * <p>Only public keys are kept, never secret material; entries go when their key object is
 * collected. Keys are matched by identity ({@link SignaturePrivateKey} has identity equality), and a
 * key's bytes never change ({@link dev.ampoule.mls.crypto.Secret} owns its array), so a cached
 * public key always belongs to the seed it is used with. A destroyed key still fails on use, since
 * the seed is read before the cache.
 */
final class DerivedPublicKeys {

    private final Map<SignaturePrivateKey, byte[]> byKey = Collections.synchronizedMap(new WeakHashMap<>());
    private final UnaryOperator<byte[]> derive;

    /** @param derive seed to encoded public key */
    DerivedPublicKeys(UnaryOperator<byte[]> derive) {
        this.derive = derive;
    }

    /**
     * The public key of {@code key}, whose seed is {@code seed}; shared, so callers must not modify
     * it.
     */
    byte[] of(SignaturePrivateKey key, byte[] seed) {
        byte[] cached = byKey.get(key);
        if (cached != null) {
            return cached;
        }
        // Derived outside the map's lock; two threads racing on a new key derive the same value.
        byte[] derived = derive.apply(seed);
        byte[] previous = byKey.putIfAbsent(key, derived);
        return previous != null ? previous : derived;
    }
}
