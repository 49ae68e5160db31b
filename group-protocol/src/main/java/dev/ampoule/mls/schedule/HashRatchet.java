package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One sender ratchet of RFC 9420 §9.1:
 * <pre>
 * ratchet_secret_[N]_[j]
 *       +--&gt; DeriveTreeSecret(., "nonce", j, AEAD.Nn) = ratchet_nonce_[N]_[j]
 *       +--&gt; DeriveTreeSecret(., "key", j,  AEAD.Nk)  = ratchet_key_[N]_[j]
 *       V
 * DeriveTreeSecret(., "secret", j, KDF.Nh) = ratchet_secret_[N]_[j+1]
 * </pre>
 * It holds the secret of the next unused generation and the unused keys of skipped generations
 * within the {@link RatchetWindow}. A secret is zeroed as soon as the next one is derived from it,
 * a key as soon as it is used (§9.2). Not thread-safe: {@link SecretTree} guards it.
 */
final class HashRatchet {

    /** Generations are {@code uint32}. */
    static final long MAX_GENERATION = 0xFFFF_FFFFL;

    private final CipherSuite suite;
    private final RatchetWindow window;
    /** {@code ratchet_secret_[next]}; null once every generation has been handed out. */
    private byte[] secret;
    private long next;
    private final TreeMap<Long, RatchetKey> retained = new TreeMap<>();

    /** Takes ownership of {@code secret}, the ratchet's generation-0 secret. */
    HashRatchet(CipherSuite suite, RatchetWindow window, byte[] secret) {
        this(suite, window, secret, 0);
    }

    /** Takes ownership of {@code secret}, the secret of {@code generation} (tests start late with it). */
    HashRatchet(CipherSuite suite, RatchetWindow window, byte[] secret, long generation) {
        this.suite = suite;
        this.window = window;
        this.secret = secret;
        this.next = generation;
    }

    /** The next generation never handed out. */
    long nextGeneration() {
        return next;
    }

    int retainedCount() {
        return retained.size();
    }

    /** The key of the next generation, for sending; the caller owns it. */
    RatchetKey next() {
        if (secret == null) {
            throw new ValidationException(ScheduleRule.GENERATION_EXHAUSTED);
        }
        long g = next;
        RatchetKey key = keyAt(secret, g);
        byte[] following = g == MAX_GENERATION ? null : step(secret, g);
        Kdf.zero(secret);
        secret = following;
        next = g + 1;
        evict();
        return key;
    }

    /**
     * Lends the key of {@code generation} to {@code use}; only when {@code use} returns normally is
     * the key consumed (zeroed) and the ratchet moved past it. When {@code use} throws, or the
     * generation is refused, the ratchet is left as it was.
     */
    <T> T open(long generation, SecretTree.KeyUse<T> use) {
        if (generation < next) {
            RatchetKey key = retained.get(generation);
            if (key == null) {
                boolean tooOld = generation < oldestKept();
                throw new ValidationException(
                        tooOld ? ScheduleRule.GENERATION_TOO_OLD : ScheduleRule.GENERATION_CONSUMED,
                        "generation " + generation);
            }
            T result = use.apply(key);
            retained.remove(generation);
            key.close();
            return result;
        }
        if (secret == null) {
            throw new ValidationException(ScheduleRule.GENERATION_EXHAUSTED);
        }
        if (generation - next > window.maxForwardDistance()) {
            throw new ValidationException(ScheduleRule.GENERATION_TOO_FAR_AHEAD,
                    "generation " + generation + ", next " + next);
        }
        // Derive on copies; the state changes only once `use` has succeeded.
        long keepFrom = generation - window.outOfOrderTolerance();
        List<RatchetKey> skipped = new ArrayList<>();
        byte[] s = secret.clone();
        RatchetKey target = null;
        byte[] following = null;
        try {
            for (long i = next; i < generation; i++) {
                if (i >= keepFrom) {
                    skipped.add(keyAt(s, i));
                }
                byte[] n = step(s, i);
                Kdf.zero(s);
                s = n;
            }
            target = keyAt(s, generation);
            following = generation == MAX_GENERATION ? null : step(s, generation);
            T result = use.apply(target);
            Kdf.zero(secret);
            secret = following;
            following = null;
            next = generation + 1;
            for (RatchetKey k : skipped) {
                retained.put(k.generation(), k);
            }
            skipped.clear();
            evict();
            return result;
        } finally {
            Kdf.zero(s);
            Kdf.zero(following);
            if (target != null) {
                target.close();
            }
            for (RatchetKey k : skipped) {
                k.close();
            }
        }
    }

    /**
     * The oldest generation whose key may still be retained: {@code outOfOrderTolerance}
     * generations behind the newest one handed out ({@code next - 1}).
     */
    private long oldestKept() {
        return next - 1 - window.outOfOrderTolerance();
    }

    /** Deletes retained keys that fell out of the window. */
    private void evict() {
        Iterator<Map.Entry<Long, RatchetKey>> it = retained.headMap(oldestKept()).entrySet().iterator();
        while (it.hasNext()) {
            it.next().getValue().close();
            it.remove();
        }
    }

    private RatchetKey keyAt(byte[] s, long generation) {
        return new RatchetKey(generation,
                new AeadKey(suite.deriveTreeSecret(s, "key", generation, suite.aeadKeyLength())),
                new AeadNonce(suite.deriveTreeSecret(s, "nonce", generation, suite.aeadNonceLength())));
    }

    private byte[] step(byte[] s, long generation) {
        return suite.deriveTreeSecret(s, "secret", generation, suite.hashLength());
    }

    /** Writes the ratchet's state: its next secret and generation, and the retained keys. */
    void encodeState(TlsWriter w) {
        w.bool(secret != null);
        if (secret != null) {
            w.opaque(secret);
        }
        w.u64(next);
        int mark = w.beginVector();
        for (RatchetKey k : retained.values()) {
            w.u32(k.generation()).opaque(k.key().reveal()).opaque(k.nonce().reveal());
        }
        w.endVector(mark);
    }

    static HashRatchet decodeState(CipherSuite suite, RatchetWindow window, TlsReader r) {
        byte[] secret = r.bool() ? EpochSecrets.secret(r, suite.hashLength()) : null;
        long next = r.u64();
        if (next < 0 || next > MAX_GENERATION + 1 || (secret == null) != (next == MAX_GENERATION + 1)) {
            throw new DecodeException("invalid ratchet generation");
        }
        HashRatchet ratchet = new HashRatchet(suite, window, secret, next);
        TlsReader keys = r.vectorBody();
        while (keys.hasRemaining()) {
            long generation = keys.u32();
            if (generation >= next) {
                throw new DecodeException("retained ratchet key ahead of the ratchet");
            }
            ratchet.retained.put(generation, new RatchetKey(generation,
                    new AeadKey(EpochSecrets.secret(keys, suite.aeadKeyLength())),
                    new AeadNonce(EpochSecrets.secret(keys, suite.aeadNonceLength()))));
        }
        return ratchet;
    }

    void destroy() {
        Kdf.zero(secret);
        secret = null;
        for (RatchetKey k : retained.values()) {
            k.close();
        }
        retained.clear();
    }
}
