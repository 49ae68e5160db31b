package dev.ampoule.mls.tree;

import java.util.HashMap;
import java.util.Map;

/**
 * A key → index map that copies in O(changes) instead of O(size): a base map that is never
 * modified once two indexes share it, plus a small private overlay of changes. The overlay is
 * folded into a fresh base when it grows past a fraction of the base, so operations stay O(1)
 * amortised.
 *
 * <p>When two nodes carry the same key (a tree that fails validation), the index keeps the last
 * one written; {@link #remove} only drops the entry while it still points at the index removed.
 */
final class KeyIndex<K> {

    private static final int REMOVED = -1;

    private Map<K, Integer> base;
    private HashMap<K, Integer> overlay;

    KeyIndex() {
        this(new HashMap<>(), new HashMap<>());
    }

    private KeyIndex(Map<K, Integer> base, HashMap<K, Integer> overlay) {
        this.base = base;
        this.overlay = overlay;
    }

    /** An index whose entries are those of {@code entries}, which it takes over as its base. */
    static <K> KeyIndex<K> of(HashMap<K, Integer> entries) {
        return new KeyIndex<>(entries, new HashMap<>());
    }

    /** A copy sharing the (frozen) base map; costs the size of the overlay. */
    KeyIndex<K> copy() {
        return new KeyIndex<>(base, new HashMap<>(overlay));
    }

    /** The index for {@code key}, or -1. */
    int get(K key) {
        Integer v = overlay.get(key);
        if (v != null) {
            return v;
        }
        v = base.get(key);
        return v == null ? REMOVED : v;
    }

    void put(K key, int index) {
        overlay.put(key, index);
        maybeFold();
    }

    void remove(K key, int index) {
        if (get(key) == index) {
            overlay.put(key, REMOVED);
            maybeFold();
        }
    }

    private void maybeFold() {
        if (overlay.size() > 32 + base.size() / 8) {
            HashMap<K, Integer> merged = new HashMap<>(base);
            overlay.forEach((k, v) -> {
                if (v == REMOVED) {
                    merged.remove(k);
                } else {
                    merged.put(k, v);
                }
            });
            base = merged;
            overlay = new HashMap<>();
        }
    }
}
