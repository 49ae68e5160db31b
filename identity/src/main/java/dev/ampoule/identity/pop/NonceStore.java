package dev.ampoule.identity.pop;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The issuer's nonces: random, single-use, short-lived, each bound to the token subject it was
 * issued to. Bounded: at most {@code max} outstanding, and {@code maxPerSubject} per subject.
 * Confined to one thread (the issuer's event loop).
 */
public final class NonceStore {

    /** What presenting a nonce gives. */
    public enum Take {
        /** Issued to this subject, unused and unexpired: now used. */
        VALID,
        /** Unknown, expired or used already. */
        UNKNOWN,
        /** Issued to another subject (now used: it cannot serve anyone any more). */
        OTHER_SUBJECT
    }

    private record Entry(String subject, Instant expires) {
    }

    private final Duration ttl;
    private final int max;
    private final int maxPerSubject;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** In issue order, so the oldest expire first. */
    private final LinkedHashMap<String, Entry> nonces = new LinkedHashMap<>();
    private final Map<String, Integer> perSubject = new HashMap<>();

    public NonceStore(Duration ttl, int max, int maxPerSubject, Clock clock) {
        this.ttl = ttl;
        this.max = max;
        this.maxPerSubject = maxPerSubject;
        this.clock = clock;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A fresh nonce for {@code subject}; empty when the limits are reached (after dropping expired ones). */
    public Optional<String> issue(String subject) {
        purge();
        if (nonces.size() >= max || perSubject.getOrDefault(subject, 0) >= maxPerSubject) {
            return Optional.empty();
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        nonces.put(nonce, new Entry(subject, clock.instant().plus(ttl)));
        perSubject.merge(subject, 1, Integer::sum);
        return Optional.of(nonce);
    }

    /** Uses a nonce up: whatever the outcome, it is never valid again. */
    public Take take(String nonce, String subject) {
        Entry e = nonces.remove(nonce);
        if (e == null) {
            return Take.UNKNOWN;
        }
        release(e.subject());
        if (!clock.instant().isBefore(e.expires())) {
            return Take.UNKNOWN;
        }
        return e.subject().equals(subject) ? Take.VALID : Take.OTHER_SUBJECT;
    }

    /** Drops expired nonces. */
    public void purge() {
        Instant now = clock.instant();
        Iterator<Map.Entry<String, Entry>> it = nonces.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (now.isBefore(e.expires())) {
                break; // issue order = expiry order
            }
            it.remove();
            release(e.subject());
        }
    }

    public int size() {
        return nonces.size();
    }

    private void release(String subject) {
        perSubject.computeIfPresent(subject, (k, n) -> n <= 1 ? null : n - 1);
    }
}
